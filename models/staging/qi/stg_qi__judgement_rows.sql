-- Q&I's judgements in the standard shape every programme's staging ends in
-- (unioned by int_judgement_rows_screened): one row per judgement row received.

with

judgements as (
    select * from {{ ref('stg_qi__judgements') }}
),

final as (
    select
        'Q&I' as programme,
        case_key,
        source_file,
        source_row,
        'Answer' as source_column,
        -- each judgement is a row of its own in the extract, counted by the sample flow
        true as is_received_row,
        question_ref as source_ref,
        answer,
        read_problem
    from judgements
)

select * from final
