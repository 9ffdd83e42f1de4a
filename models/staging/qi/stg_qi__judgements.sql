-- One row per Q&I judgement row received. The rationale (free text about the
-- person) stops here.
--
-- Question refs are compared as the input contract writes them, after one
-- written-down normalisation (docs/input-contract.md): lower case, spaces
-- removed, a comma read as a point, a leading "Q" dropped ("Q2.5 B" and "4,4"
-- are 2.5b and 4.4). A ref Excel has turned into a date, and one that is still
-- not a ref of the contract, is quarantined with the reason.

with

source as (
    select * from {{ source('qi', 'qi_judgements') }}
),

code_lists as (
    select * from {{ ref('code_lists') }}
),

received as (
    select
        _source_file as source_file,
        _source_row as source_row,
        nullif(trim("Case ID"), '') as case_ref,
        nullif(trim("Question ref"), '') as question_ref_text,
        {{ received_code('"Answer"') }} as answer_code
    from source
),

normalised as (
    select
        *,
        regexp_replace(
            replace(regexp_replace(lower(question_ref_text), '\s+', '', 'g'), ',', '.'),
            '^q\.?',
            ''
        ) as question_ref_code
    from received
),

final as (
    select
        {{ pseudonymise("'Q&I:' || normalised.case_ref") }} as case_key,
        normalised.source_file,
        normalised.source_row,
        question_ref.harmonised as question_ref,
        answer.harmonised as answer,
        case
            when normalised.case_ref is null then 'missing case reference'
            when normalised.question_ref_text is null then 'missing question ref'
            -- the loader writes a date cell as an ISO date
            when regexp_matches(normalised.question_ref_text, '^\d{4}-\d{2}-\d{2}')
                then 'question ref is a date (Excel turned a ref such as 4.3 into one)'
            when question_ref.code is null then 'unknown question ref'
            when normalised.answer_code is not null and answer.code is null
                then 'unknown code: Answer'
        end as read_problem
    from normalised
    {{ decode_join('question_ref', 'Q&I', 'question_ref', 'normalised.question_ref_code') }}
    {{ decode_join('answer', 'Q&I', 'answer', 'normalised.answer_code') }}
)

select * from final
