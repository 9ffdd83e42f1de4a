-- The seven matched public-protection questions and where each comes from.

with

crosswalk as (
    select * from {{ ref('question_crosswalk') }}
),

final as (
    select
        cast(question_id as integer) as question_id,
        stage,
        short_name,
        wording,
        omi2_source,
        qi_source
    from crosswalk
)

select * from final
