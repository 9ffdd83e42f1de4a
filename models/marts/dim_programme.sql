-- One row per inspection programme, from the programmes seed: a new programme
-- is new rows there, not new SQL here.

with

programmes as (
    select * from {{ ref('programmes') }}
),

final as (
    select
        programme,
        label,
        fieldwork_start_year,
        fieldwork_end_year,
        sort_order,
        agency_basis,
        baseline_programme,
        column_prefix,
        in_bulletin,
        national_sample
    from programmes
)

select * from final
