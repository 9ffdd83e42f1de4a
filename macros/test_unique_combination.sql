{#
    Generic test: the given columns together identify a row.
    (The project installs no dbt packages, so that a build needs nothing but PyPI: it carries its own.)
#}
{% test unique_combination(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
