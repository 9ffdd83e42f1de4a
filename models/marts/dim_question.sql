-- The harmonised questions, and for the bulletin's programmes the source each
-- comes from (omi2_source, qi_source: kept for existing queries; every
-- programme's sources are in dim_question_source).

with

questions as (
    select * from {{ ref('questions') }}
),

question_sources as (
    select * from {{ ref('question_sources') }}
),

final as (
    select
        questions.question_id,
        questions.stage,
        questions.short_name,
        questions.wording,
        questions.bulletin_table_no,
        {%- for programme in bulletin_programmes() %}
            max(question_sources.source_ref) filter (
                where question_sources.programme = {{ sql_string(programme.programme) }}
            ) as {{ programme.prefix }}_source,
        {%- endfor %}
        questions.bulletin_table_no is not null as is_in_bulletin
    from questions
    left join question_sources on questions.question_id = question_sources.question_id
    group by all
)

select * from final
order by question_id
