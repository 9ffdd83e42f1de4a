-- From raw rows to the sample, per programme: every row received is counted
-- once, as a duplicate, quarantined (by reason), excluded (by rule) or in the
-- sample. The steps after "rows received" add up to it (tested).

with

case_rows as (
    select * from {{ ref('int_case_rows_screened') }}
),

judgement_rows as (
    select * from {{ ref('int_judgement_rows_screened') }}
),

programmes as (
    select * from {{ ref('dim_programme') }}
),

outcomes as (
    select
        programme,
        programme || ' cases' as flow,
        outcome,
        outcome_reason
    from case_rows
    union all
    select
        programme,
        programme || ' judgements' as flow,
        outcome,
        outcome_reason
    from judgement_rows
),

received as (
    select
        programme,
        flow,
        0 as step_order,
        'received' as step_kind,
        'rows received' as step,
        count(*) as row_count
    from outcomes
    group by programme, flow
),

steps as (
    select
        programme,
        flow,
        case outcome
            when 'duplicate' then 1
            when 'quarantined' then 2
            when 'excluded' then 3
            when 'sample' then 4
        end as step_order,
        outcome as step_kind,
        case
            when outcome = 'sample' then 'in the sample'
            else outcome || ': ' || outcome_reason
        end as step,
        count(*) as row_count
    from outcomes
    group by all
),

all_steps as (
    select * from received
    union all
    select * from steps
),

final as (
    select
        all_steps.flow,
        all_steps.programme,
        programmes.sort_order as programme_order,
        all_steps.step_order,
        all_steps.step_kind,
        all_steps.step,
        all_steps.row_count
    from all_steps
    left join programmes on all_steps.programme = programmes.programme
)

select * from final
order by programme_order, flow, step_order, step
