-- One row per PI18 rating received. The rationale (free text about the person)
-- stops here. Refs compare trimmed and case-insensitively (input contract).

with

source as (
    select * from {{ source('pi18', 'pi18_ratings') }}
),

code_lists as (
    select * from {{ ref('code_lists') }}
),

received as (
    select
        _source_file as source_file,
        _source_row as source_row,
        nullif(trim(case_id), '') as case_ref,
        nullif(trim(ref), '') as ref_text,
        {{ received_code('ref') }} as ref_code,
        {{ received_code('rating') }} as rating_code
    from source
),

final as (
    select
        {{ pseudonymise("'PI18:' || received.case_ref") }} as case_key,
        received.source_file,
        received.source_row,
        rating_ref.harmonised as rating_ref,
        rating.harmonised as answer,
        case
            when received.case_ref is null then 'missing case reference'
            when received.ref_text is null then 'missing question ref'
            when rating_ref.code is null then 'unknown question ref'
            when received.rating_code is null then 'missing rating'
            when rating.code is null then 'unknown code: rating'
        end as read_problem
    from received
    {{ decode_join('rating_ref', 'PI18', 'rating_ref', 'received.ref_code') }}
    {{ decode_join('rating', 'PI18', 'answer', 'received.rating_code') }}
)

select * from final
