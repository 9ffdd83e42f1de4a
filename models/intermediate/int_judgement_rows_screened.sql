-- Where every judgement row received ends: counted for a sample case, a
-- duplicate, quarantined, or set aside (question not harmonised; case not in
-- the sample). Judgements held as columns of a case row (OMI2) are not rows
-- received: they follow their case row; only the sample's enter here.

with

judgements as (
    select * from {{ ref('int_judgement_rows_unioned') }}
),

question_sources as (
    select * from {{ ref('question_sources') }}
),

sampled_cases as (
    select * from {{ ref('int_cases_sampled') }}
),

-- Judgements received as rows of their own: every one, with identical copies
-- and conflicting answers found.
received as (
    select
        judgements.*,
        question_sources.question_id,
        sampled_cases.case_key is not null as is_sample_case,
        row_number() over (
            partition by
                judgements.programme,
                judgements.case_key,
                judgements.source_ref,
                judgements.answer
            order by judgements.source_file, judgements.source_row
        ) as copy_number,
        count(distinct coalesce(judgements.answer, '')) over (
            partition by judgements.programme, judgements.case_key, judgements.source_ref
        ) as versions_of_answer
    from judgements
    left join question_sources
        on
            judgements.programme = question_sources.programme
            and judgements.source_ref = question_sources.source_ref
    left join sampled_cases
        on
            judgements.programme = sampled_cases.programme
            and judgements.case_key = sampled_cases.case_key
    where judgements.is_received_row
),

-- Judgements held in a case row: only those of a case row in the sample, for
-- a harmonised question. The rest follow their case row's outcome (a
-- duplicate, quarantined or excluded case row), which the case flow counts;
-- an unreadable one for a harmonised question quarantined its case row.
held as (
    select
        judgements.*,
        question_sources.question_id,
        true as is_sample_case,
        1 as copy_number,
        1 as versions_of_answer
    from judgements
    inner join sampled_cases
        on
            judgements.programme = sampled_cases.programme
            and judgements.source_file = sampled_cases.source_file
            and judgements.source_row = sampled_cases.source_row
    inner join question_sources
        on
            judgements.programme = question_sources.programme
            and judgements.source_ref = question_sources.source_ref
    where not judgements.is_received_row
),

marked as (
    select * from received
    union all by name
    select * from held
),

classified as (
    select
        *,
        case
            when copy_number > 1 then 'duplicate'
            when read_problem is not null then 'quarantined'
            when versions_of_answer > 1 then 'quarantined'
            when not is_sample_case then 'excluded'
            when question_id is null then 'excluded'
            else 'sample'
        end as outcome,
        case
            when copy_number > 1 then 'identical duplicate row'
            when read_problem is not null then read_problem
            when versions_of_answer > 1 then 'conflicting duplicate'
            when not is_sample_case then 'case not in the sample'
            when question_id is null then 'question not matched between programmes'
        end as outcome_reason
    from marked
)

select * from classified
