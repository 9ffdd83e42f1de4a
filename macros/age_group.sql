{# The bulletin's age bands, from whole years at sentence or release. #}
{% macro age_group(age_years) -%}
    case
        when {{ age_years }} is null then null
        when {{ age_years }} < 18 then null
        when {{ age_years }} <= 20 then '18-20'
        when {{ age_years }} <= 24 then '21-24'
        when {{ age_years }} <= 29 then '25-29'
        when {{ age_years }} <= 39 then '30-39'
        when {{ age_years }} <= 49 then '40-49'
        else '50+'
    end
{%- endmacro %}

{# Whole years between two dates (age on the later date). #}
{% macro whole_years_between(earlier, later) -%}
    (
        extract(year from {{ later }}) - extract(year from {{ earlier }})
        - case
            when extract(month from {{ later }}) * 100 + extract(day from {{ later }})
                < extract(month from {{ earlier }}) * 100 + extract(day from {{ earlier }})
                then 1
            else 0
        end
    )
{%- endmacro %}
