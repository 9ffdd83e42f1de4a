{#
    Generic test: the columns are the table's primary key. Fails on a row with any
    key column empty, and on a key held by more than one row. (The project installs
    no dbt packages, so that a build needs nothing but PyPI: it carries its own.)
#}
{% test primary_key(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as n_rows,
        'a key column is empty' as problem
    from {{ model }}
    where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
    group by {{ columns | join(', ') }}

    union all

    select
        {{ columns | join(', ') }},
        count(*) as n_rows,
        'the key is not unique' as problem
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
