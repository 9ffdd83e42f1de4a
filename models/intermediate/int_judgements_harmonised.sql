-- One row per sample case and harmonised question answered in the extract,
-- with the answer on the harmonised scale (Yes, No, Not applicable,
-- Insufficient evidence, Not answered): the judgements received as rows that
-- int_judgement_rows_screened counts for the sample, and those held in a
-- sample case row (OMI2) for a harmonised question. Questions a case has no
-- answer for are filled in as Not answered by fct_case_judgement.

with

screened as (
    select * from {{ ref('int_judgement_rows_screened') }}
    where outcome = 'sample'
),

-- filtered where read, so the judgements of other case rows are never held
held_rows as (
    select * from {{ ref('int_judgement_rows_unioned') }}
    where not is_received_row
),

sampled_cases as (
    select * from {{ ref('int_cases_sampled') }}
),

question_sources as (
    select * from {{ ref('question_sources') }}
),

-- only the sample case row's own judgements (not an identical copy's), for a
-- harmonised question; an unreadable one quarantined its case row already
held as (
    select
        held_rows.case_key,
        question_sources.question_id,
        held_rows.programme,
        held_rows.answer
    from held_rows
    inner join sampled_cases
        on
            held_rows.programme = sampled_cases.programme
            and held_rows.source_file = sampled_cases.source_file
            and held_rows.source_row = sampled_cases.source_row
    inner join question_sources
        on
            held_rows.programme = question_sources.programme
            and held_rows.source_ref = question_sources.source_ref
),

unioned as (
    select
        case_key,
        question_id,
        programme,
        answer
    from screened
    union all
    select
        case_key,
        question_id,
        programme,
        answer
    from held
),

final as (
    select
        case_key,
        question_id,
        programme,
        coalesce(answer, 'Not answered') as answer
    from unioned
)

select * from final
