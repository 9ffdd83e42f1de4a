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


{#
    Why a dd/mm/yyyy date's text is not in that layout, or NULL when it is (or
    blank). A two-digit year is named: 01/01/70 could be 1970 or 2070.
#}
{% macro date_layout_problem(text_column, column_name) -%}
    case
        when {{ text_column }} is null then null
        when regexp_full_match({{ text_column }}, '\d{1,2}/\d{1,2}/\d{4}') then null
        when regexp_full_match({{ text_column }}, '\d{1,2}/\d{1,2}/\d{2}')
            then 'unreadable date: {{ column_name }} (two-digit year)'
        else 'unreadable date: {{ column_name }} (not dd/mm/yyyy)'
    end
{%- endmacro %}

{# A dd/mm/yyyy date, or NULL when the text is in another layout or impossible. #}
{% macro dmy_date(text_expression) -%}
    case
        when regexp_full_match({{ text_expression }}, '\d{1,2}/\d{1,2}/\d{4}')
            then try_strptime({{ text_expression }}, '%d/%m/%Y')::date
    end
{%- endmacro %}

{#
    A YYYY-MM-DD date (ISO 8601, as JSON exports write them), or NULL when the
    text is in another layout (2018-1-15, 18-01-05) or the date does not exist.
#}
{% macro iso_date(text_expression) -%}
    case
        when regexp_full_match({{ text_expression }}, '\d{4}-\d{2}-\d{2}')
            then try_strptime({{ text_expression }}, '%Y-%m-%d')::date
    end
{%- endmacro %}
