{#
    The bulletin's programmes (programmes seed, in_bulletin), in order: a list of
    {programme, prefix, baseline}, where prefix names their columns in the
    bulletin's wide tables (omi2_n, qi_n). Read when the model runs; empty while
    dbt parses the project (nothing is executed then).
#}
{% macro bulletin_programmes() -%}
    {%- set programmes = ref('programmes') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set rows = run_query(
        "select programme, column_prefix, baseline_programme from " ~ programmes
        ~ " where in_bulletin order by sort_order"
    ) -%}
    {%- set found = [] -%}
    {%- for row in rows -%}
        {%- do found.append({'programme': row[0], 'prefix': row[1], 'baseline': row[2]}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{# A programme code as a SQL string literal (codes such as Q&I are text, quotes doubled). #}
{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}
