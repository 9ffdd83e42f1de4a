{#
    Generic test: the model has as many rows as another relation, optionally
    filtered (a raw table against its programme's rows in a screened table:
    every row received is accounted for).
#}
{% test equal_row_count(model, compare_to, compare_where="true") %}
    with counts as (
        select
            (select count(*) from {{ model }}) as model_rows,
            (select count(*) from {{ compare_to }} where {{ compare_where }}) as other_rows
    )

    select *
    from counts
    where model_rows <> other_rows
{% endtest %}
