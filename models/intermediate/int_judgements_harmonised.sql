-- One row per sample case and matched question answered in the extract, with
-- the answer on the harmonised scale (Yes, No, Not applicable, Insufficient
-- evidence, Not answered). Questions a case has no answer for are filled in
-- as Not answered by fct_case_judgement.

with

omi2_cases as (
    select * from {{ ref('stg_omi2__cases') }}
),

sampled_cases as (
    select * from {{ ref('int_cases_sampled') }}
),

qi_judgements as (
    select * from {{ ref('int_judgement_rows_screened') }}
),

crosswalk as (
    select * from {{ ref('question_crosswalk') }}
),

code_lists as (
    select * from {{ ref('code_lists') }}
),

omi2_sample_rows as (
    select omi2_cases.*
    from omi2_cases
    inner join sampled_cases
        on
            omi2_cases.source_file = sampled_cases.source_file
            and omi2_cases.source_row = sampled_cases.source_row
            and sampled_cases.programme = 'OMI2'
),

-- OMI2 holds one column per question: one row per case and column instead
omi2_unpivoted as (
    {% for column in ['RH05', 'RH08', 'RH09', 'RH10', 'RV03', 'RV04', 'DL12'] %}
        select
            case_key,
            '{{ column }}' as omi2_source,
            {{ column | lower }}_code as answer_code
        from omi2_sample_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

omi2_answers as (
    select
        omi2_unpivoted.case_key,
        crosswalk.question_id,
        'OMI2' as programme,
        coalesce(answers.harmonised, 'Not answered') as answer
    from omi2_unpivoted
    inner join crosswalk on omi2_unpivoted.omi2_source = crosswalk.omi2_source
    {{ decode_join('answers', 'OMI2', 'answer', 'omi2_unpivoted.answer_code') }}
),

qi_answers as (
    select
        case_key,
        question_id,
        'Q&I' as programme,
        coalesce(answer, 'Not answered') as answer
    from qi_judgements
    where outcome = 'sample'
),

unioned as (
    select * from omi2_answers
    union all
    select * from qi_answers
)

select * from unioned
