-- One row per sample case and harmonised question its programme collects
-- (dim_question_source): the inspector's judgement on the harmonised scale. A
-- question's n is count(is_sufficient).

with

cases as (
    select * from {{ ref('dim_case') }}
),

collected as (
    select * from {{ ref('dim_question_source') }}
),

answers as (
    select * from {{ ref('int_judgements_harmonised') }}
),

every_case_and_question as (
    select
        cases.case_key,
        collected.question_id
    from cases
    inner join collected on cases.programme = collected.programme
),

final as (
    select
        every_case_and_question.case_key,
        every_case_and_question.question_id,
        coalesce(answers.answer, 'Not answered') as answer,
        case coalesce(answers.answer, 'Not answered')
            when 'Yes' then true
            when 'No' then false
        end as is_sufficient
    from every_case_and_question
    left join answers
        on
            every_case_and_question.case_key = answers.case_key
            and every_case_and_question.question_id = answers.question_id
)

select * from final
