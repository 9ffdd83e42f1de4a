-- PI18's judgements in the standard shape every programme's staging ends in
-- (unioned by int_judgement_rows_unioned): each rating received is a row of its
-- own; the inspector's view of the RoSH level (question 1) is a field of the case,
-- so it follows its case row, as OMI2's judgement columns do.

with

ratings as (
    select * from {{ ref('stg_pi18__ratings') }}
),

cases as (
    select * from {{ ref('stg_pi18__cases') }}
),

code_lists as (
    select * from {{ ref('code_lists') }}
),

received_ratings as (
    select
        'PI18' as programme,
        case_key,
        source_file,
        source_row,
        'rating' as source_column,
        true as is_received_row,
        rating_ref as source_ref,
        answer,
        read_problem
    from ratings
),

held_in_case as (
    select
        'PI18' as programme,
        cases.case_key,
        cases.source_file,
        cases.source_row,
        'rosh_classification_reasonable' as source_column,
        false as is_received_row,
        'rosh_classification_reasonable' as source_ref,
        answers.harmonised as answer,
        case
            -- the inspector's view is Yes or No (the contract): no N/A
            when
                cases.rosh_reasonable_code is not null
                and (answers.code is null or answers.harmonised = 'Not applicable')
                then 'unknown code: rosh_classification_reasonable'
        end as read_problem
    from cases
    {{ decode_join('answers', 'PI18', 'answer', 'cases.rosh_reasonable_code') }}
),

final as (
    select * from received_ratings
    union all
    select * from held_in_case
)

select * from final
