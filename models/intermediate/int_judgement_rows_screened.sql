-- Where every judgement row ends: counted for a sample case, a duplicate,
-- quarantined, or set aside (question not harmonised; case not in the sample).
-- Judgements held as columns of a case row (OMI2) are not rows received: they
-- follow their case row, and only received rows enter the sample flow.

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

marked as (
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
