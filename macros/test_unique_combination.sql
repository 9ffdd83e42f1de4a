{#
    Generic test: the given columns together identify a row.
    (dbt_utils is not reachable from here, so the project carries its own.)
#}
{% test unique_combination(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
