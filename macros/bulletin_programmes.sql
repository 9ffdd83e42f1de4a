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

{#
    The bulletin's pair, [baseline, later] (Figure 1's "from" and "to": OMI2 and
    Q&I): the later programme is the one whose baseline is also the bulletin's.
    Placeholders while dbt parses. `programmes`: bulletin_programmes(), if the
    caller has read them already.
#}
{% macro bulletin_pair(programmes=none) -%}
    {%- set programmes = bulletin_programmes() if programmes is none else programmes -%}
    {%- set pair = [
        {'programme': '', 'prefix': 'baseline'}, {'programme': '', 'prefix': 'later'}
    ] -%}
    {%- for later in programmes if later.baseline -%}
        {%- for baseline in programmes if baseline.programme == later.baseline -%}
            {#- a loop cannot reassign an outer variable: the list is changed in place -#}
            {%- do pair.clear() -%}
            {%- do pair.extend([baseline, later]) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(pair) }}
{%- endmacro %}
