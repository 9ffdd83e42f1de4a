{#
    Code-list lookups for staging: `decode_join` joins the code_lists seed once
    per coded column; `received_code` normalises a received value the way the
    spec says to compare it (trimmed, case-insensitive, blank = NULL).
#}
{% macro received_code(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{% macro decode_join(alias, programme, code_list, code_expression) -%}
    left join code_lists as {{ alias }}
        on {{ alias }}.programme = '{{ programme }}'
        and {{ alias }}.code_list = '{{ code_list }}'
        and {{ alias }}.code = {{ code_expression }}
{%- endmacro %}

{#
    A received code that is not blank but not in its code list: the row cannot
    be read. Yields the column's name, for the quarantine reason.
#}
{% macro unknown_code(alias, code_expression, column_name) -%}
    case
        when {{ code_expression }} is not null and {{ alias }}.code is null
            then '{{ column_name }}'
    end
{%- endmacro %}
