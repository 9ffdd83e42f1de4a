-- Where every Q&I judgement row received ends: counted for a sample case, a
-- duplicate, quarantined, or set aside (question not matched; case not in the
-- sample). OMI2 judgements are columns of the case row and follow its outcome.

with

judgements as (
    select * from {{ ref('stg_qi__judgements') }}
),

crosswalk as (
    select * from {{ ref('question_crosswalk') }}
),

sampled_cases as (
    select * from {{ ref('int_cases_sampled') }}
    where programme = 'Q&I'
),

marked as (
    select
        judgements.*,
        crosswalk.question_id,
        sampled_cases.case_key is not null as is_sample_case,
        row_number() over (
            partition by judgements.case_key, judgements.question_ref, judgements.answer
            order by judgements.source_file, judgements.source_row
        ) as copy_number,
        count(distinct coalesce(judgements.answer, '')) over (
            partition by judgements.case_key, judgements.question_ref
        ) as versions_of_answer
    from judgements
    left join crosswalk on judgements.question_ref = crosswalk.qi_source
    left join sampled_cases on judgements.case_key = sampled_cases.case_key
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
