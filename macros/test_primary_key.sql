{#
    Generic test: the columns are the table's primary key. Fails on a row with any
    key column empty, and on a key held by more than one row. The model is read
    once (most keyed models are views, which a second read would compute again):
    the rows are counted per key, and both checks read the counts. (The project
    installs no dbt packages, so that a build needs nothing but PyPI: it carries
    its own.)
#}
{% test primary_key(model, columns) %}
    with key_counts as (
        select
            {{ columns | join(', ') }},
            count(*) as n_rows
        from {{ model }}
        group by {{ columns | join(', ') }}
    )

    select
        {{ columns | join(', ') }},
        n_rows,
        'a key column is empty' as problem
    from key_counts
    where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}

    union all

    select
        {{ columns | join(', ') }},
        n_rows,
        'the key is not unique' as problem
    from key_counts
    where n_rows > 1
{% endtest %}
