{#
    Generic test: the model has as many rows as another relation (a staging
    shape against the raw table it reads, one row per row received).
#}
{% test equal_row_count(model, compare_to) %}
    with counts as (
        select
            (select count(*) from {{ model }}) as model_rows,
            (select count(*) from {{ compare_to }}) as other_rows
    )

    select *
    from counts
    where model_rows <> other_rows
{% endtest %}
