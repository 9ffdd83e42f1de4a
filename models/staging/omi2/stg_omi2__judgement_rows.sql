-- OMI2's judgements in the standard shape every programme's staging ends in
-- (unioned by int_judgement_rows_screened): OMI2 holds one column per
-- question, so one row per case row and judgement column. These are columns
-- of a case row, not rows received: they follow their case row's outcome.

with

cases as (
    select * from {{ ref('stg_omi2__cases') }}
),

code_lists as (
    select * from {{ ref('code_lists') }}
),

-- every judgement column of the extract (input contract section 1); which of
-- them are harmonised questions is seed data (question_sources)
unpivoted as (
    {% set columns = ['RH05', 'RH08', 'RH09', 'RH10', 'RV03', 'RV04', 'DL12', 'PL01', 'PL04',
        'IN02'] %}
    {% for column in columns %}
        select
            case_key,
            source_file,
            source_row,
            '{{ column }}' as source_column,
            '{{ column }}' as source_ref,
            {{ column | lower }}_code as answer_code
        from cases
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        'OMI2' as programme,
        unpivoted.case_key,
        unpivoted.source_file,
        unpivoted.source_row,
        unpivoted.source_column,
        false as is_received_row,
        unpivoted.source_ref,
        answers.harmonised as answer,
        case
            when unpivoted.answer_code is not null and answers.code is null
                then 'unknown code: ' || unpivoted.source_ref
        end as read_problem
    from unpivoted
    {{ decode_join('answers', 'OMI2', 'answer', 'unpivoted.answer_code') }}
)

select * from final
