-- Where every judgement row received ends: counted for a sample case, a
-- duplicate, quarantined, or set aside (question not harmonised; case not in
-- the sample). Judgements held as columns of a case row (OMI2) are not rows
-- received: they follow their case row, and are not listed here.

with

-- judgements received as rows of their own (those held in a case row follow
-- their case row: int_judgements_harmonised takes the sample's)
received_rows as (
    select * from {{ ref('int_judgement_rows_unioned') }}
    where is_received_row
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
        received_rows.*,
        question_sources.question_id,
        sampled_cases.case_key is not null as is_sample_case,
        row_number() over (
            partition by
                received_rows.programme,
                received_rows.case_key,
                received_rows.source_ref,
                received_rows.answer
            order by received_rows.source_file, received_rows.source_row
        ) as copy_number,
        count(distinct coalesce(received_rows.answer, '')) over (
            partition by received_rows.programme, received_rows.case_key, received_rows.source_ref
        ) as versions_of_answer
    from received_rows
    left join question_sources
        on
            received_rows.programme = question_sources.programme
            and received_rows.source_ref = question_sources.source_ref
    left join sampled_cases
        on
            received_rows.programme = sampled_cases.programme
            and received_rows.case_key = sampled_cases.case_key
),

marked as (
    select * from received
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
