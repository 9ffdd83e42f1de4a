-- One row per programme and harmonised question it collects: where the
-- programme's extract holds it and how it compares with the baseline's source.

with

question_sources as (
    select * from {{ ref('question_sources') }}
),

final as (
    select
        programme,
        question_id,
        source_ref,
        comparability,
        comparability_note
    from question_sources
)

select * from final
