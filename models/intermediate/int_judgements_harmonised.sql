-- One row per sample case and harmonised question answered in the extract,
-- with the answer on the harmonised scale (Yes, No, Not applicable,
-- Insufficient evidence, Not answered). Questions a case has no answer for are
-- filled in as Not answered by fct_case_judgement.

with

judgement_rows as (
    select * from {{ ref('int_judgement_rows_screened') }}
),

final as (
    select
        case_key,
        question_id,
        programme,
        coalesce(answer, 'Not answered') as answer
    from judgement_rows
    where outcome = 'sample'
)

select * from final
