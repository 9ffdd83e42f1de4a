-- Where every judgement row received ends: counted for a sample case, a
-- duplicate, quarantined, or set aside (question not harmonised; case not in
-- the sample). Judgements held as columns of a case row (OMI2) are not rows
-- received: they follow their case row, and are not listed here.
-- The precedence is the case rows' (int_case_rows_screened): superseded, then
-- duplicate, quarantined, excluded (case not in the sample, question not
-- harmonised), in the sample; a judgement of a superseded export is superseded
-- whatever it holds, even when its case counts from the later export.

with

-- judgements received as rows of their own (those held in a case row follow
-- their case row: int_judgements_harmonised takes the sample's)
received_rows as (
    select * from {{ ref('int_judgement_rows_unioned') }}
    where is_received_row
),

question_sources as (
    select * from {{ ref('question_sources') }}
),

sampled_cases as (
    select * from {{ ref('int_cases_sampled') }}
),

-- case rows of a superseded inspection or export: the judgements received in the
-- same file are set aside with them (a later export's count instead)
superseded_case_rows as (
    select distinct
        programme,
        case_key,
        source_file,
        superseded_rule
    from {{ ref('int_case_rows_screened') }}
    where is_superseded_inspection
),

-- Judgements received as rows of their own: every one, with identical copies
-- and conflicting answers found.
received as (
    select
        received_rows.*,
        question_sources.question_id,
        sampled_cases.case_key is not null as is_sample_case,
        superseded_case_rows.superseded_rule,
        -- compared among rows of the same standing, as their case rows are. A row
        -- whose case or ref cannot be read is on its own: unreadable refs are not
        -- one ref, so each is quarantined, none a copy of another (the windows keep
        -- plain columns as keys; their NULL group is simply not used)
        case
            when received_rows.case_key is null or received_rows.source_ref is null
                then 1
            else row_number() over (
                partition by
                    received_rows.programme,
                    received_rows.case_key,
                    superseded_case_rows.superseded_rule is not null,
                    received_rows.source_ref,
                    received_rows.answer
                order by received_rows.source_file, received_rows.source_row
            )
        end as copy_number,
        case
            when received_rows.case_key is null or received_rows.source_ref is null
                then 1
            else count(distinct coalesce(received_rows.answer, '')) over (
                partition by
                    received_rows.programme,
                    received_rows.case_key,
                    superseded_case_rows.superseded_rule is not null,
                    received_rows.source_ref
            )
        end as versions_of_answer
    from received_rows
    left join superseded_case_rows
        on
            received_rows.programme = superseded_case_rows.programme
            and received_rows.case_key = superseded_case_rows.case_key
            and received_rows.source_file = superseded_case_rows.source_file
    left join question_sources
        on
            received_rows.programme = question_sources.programme
            and received_rows.source_ref = question_sources.source_ref
    left join sampled_cases
        on
            received_rows.programme = sampled_cases.programme
            and received_rows.case_key = sampled_cases.case_key
),

marked as (
    select * from received
),

classified as (
    select
        *,
        case
            when superseded_rule is not null then 'excluded'
            when copy_number > 1 then 'duplicate'
            when read_problem is not null then 'quarantined'
            when versions_of_answer > 1 then 'quarantined'
            when not is_sample_case then 'excluded'
            when question_id is null then 'excluded'
            else 'sample'
        end as outcome,
        case
            when superseded_rule is not null then superseded_rule
            when copy_number > 1 then 'identical duplicate row'
            when read_problem is not null then read_problem
            when versions_of_answer > 1 then 'conflicting duplicate'
            when not is_sample_case then 'case not in the sample'
            when question_id is null then 'question not matched between programmes'
        end as outcome_reason
    from marked
)

select * from classified
