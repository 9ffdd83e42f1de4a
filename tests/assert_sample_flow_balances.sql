-- Every row received is accounted for: per flow, the rows received equal the
-- rows of the programmes' standard shapes (each of which has one row per raw
-- row: the equal_row_count tests in staging), and the duplicates, quarantined,
-- excluded and sample rows add up to them.

with

flow as (
    select * from {{ ref('rpt_sample_flow') }}
),

shape_rows as (
    select
        programme || ' cases' as flow,
        count(*) as row_count
    from {{ ref('int_case_rows_unioned') }}
    group by programme
    union all
    select
        programme || ' judgements' as flow,
        count(*) as row_count
    from {{ ref('int_judgement_rows_unioned') }}
    where is_received_row
    group by programme
),

balance as (
    select
        shape_rows.flow,
        shape_rows.row_count as raw_rows,
        coalesce(sum(flow.row_count) filter (where flow.step_kind = 'received'), 0) as received,
        coalesce(sum(flow.row_count) filter (where flow.step_kind <> 'received'), 0)
            as accounted_for
    from shape_rows
    left join flow on shape_rows.flow = flow.flow
    group by shape_rows.flow, shape_rows.row_count
)

select *
from balance
where raw_rows <> received or received <> accounted_for
