-- Every row received is accounted for: per flow, the rows received equal the
-- rows screened (each raw table has as many: the equal_row_count tests on the
-- sources), and the duplicates, quarantined, excluded and sample rows add up
-- to them.

with

flow as (
    select * from {{ ref('rpt_sample_flow') }}
),

screened_rows as (
    select
        programme || ' cases' as flow,
        count(*) as row_count
    from {{ ref('int_case_rows_screened') }}
    group by programme
    union all
    select
        programme || ' judgements' as flow,
        count(*) as row_count
    from {{ ref('int_judgement_rows_screened') }}
    group by programme
),

balance as (
    select
        screened_rows.flow,
        screened_rows.row_count as raw_rows,
        coalesce(sum(flow.row_count) filter (where flow.step_kind = 'received'), 0) as received,
        coalesce(sum(flow.row_count) filter (where flow.step_kind <> 'received'), 0)
            as accounted_for
    from screened_rows
    left join flow on screened_rows.flow = flow.flow
    group by screened_rows.flow, screened_rows.row_count
)

select *
from balance
where raw_rows <> received or received <> accounted_for
