-- Every raw row is accounted for: per flow, the rows received equal the rows in
-- raw, and the duplicates, quarantined, excluded and sample rows add up to them.

with

flow as (
    select * from {{ ref('rpt_sample_flow') }}
),

raw_rows as (
    select
        'OMI2 cases' as flow,
        count(*) as row_count
    from {{ source('omi2', 'omi2_cases') }}
    union all
    select
        'Q&I cases' as flow,
        count(*) as row_count
    from {{ source('qi', 'qi_cases') }}
    union all
    select
        'Q&I judgements' as flow,
        count(*) as row_count
    from {{ source('qi', 'qi_judgements') }}
),

balance as (
    select
        raw_rows.flow,
        raw_rows.row_count as raw_rows,
        coalesce(sum(flow.row_count) filter (where flow.step_kind = 'received'), 0) as received,
        coalesce(sum(flow.row_count) filter (where flow.step_kind <> 'received'), 0)
            as accounted_for
    from raw_rows
    left join flow on raw_rows.flow = flow.flow
    group by raw_rows.flow, raw_rows.row_count
)

select *
from balance
where raw_rows <> received or received <> accounted_for
