-- One row per Q&I judgement row received. The rationale (free text about the
-- person) stops here.

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
        nullif(lower(trim("Question ref")), '') as question_ref,
        {{ received_code('"Answer"') }} as answer_code
    from source
),

final as (
    select
        {{ pseudonymise("'Q&I:' || received.case_ref") }} as case_key,
        received.source_file,
        received.source_row,
        received.question_ref,
        answer.harmonised as answer,
        case
            when received.case_ref is null then 'missing case reference'
            when received.question_ref is null then 'missing question ref'
            when received.answer_code is not null and answer.code is null
                then 'unknown code: Answer'
        end as read_problem
    from received
    {{ decode_join('answer', 'Q&I', 'answer', 'received.answer_code') }}
)

select * from final
