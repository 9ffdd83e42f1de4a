-- Table 1: cases in the comparison sample by area and programme.

with

cases as (
    select * from {{ ref('dim_case') }}
),

final as (
    select
        area,
        count(*) filter (where programme = 'OMI2') as omi2_n,
        count(*) filter (where programme = 'Q&I') as qi_n,
        count(*) as total_n
    from cases
    group by area
)

select * from final
order by area
