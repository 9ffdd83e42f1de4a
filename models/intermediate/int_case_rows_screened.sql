-- Where every case row received ends: in the sample, a duplicate, quarantined
-- with the reason, or excluded by a named sample rule (bulletin section 2 and
-- Annex A). Exactly one outcome per raw row; rpt_sample_flow counts them.
--
-- One precedence, for every programme (and for judgement rows received as rows
-- of their own, int_judgement_rows_screened), the first that applies decides:
--   1. superseded: a row of an inspection or export another file replaces
--      (excluded, with the programme's superseded rule). Known from the file, not
--      from the row: the row is out whatever it holds, and a fault in it is not
--      one to correct (the replacement is what counts), so it is not quarantined.
--   2. duplicate: an identical copy of a row already counted (first one read).
--   3. quarantined: a row that cannot be read, or a conflicting duplicate. A row
--      that cannot be read cannot be tested against a sample rule either.
--   4. excluded by a sample rule: area, custody.
--   5. in the sample.

with

case_rows as (
    select * from {{ ref('int_case_rows_unioned') }}
),

-- only judgements held in a case row that cannot be read (filtered here, where
-- read, so the rest are never held in memory)
judgement_rows as (
    select * from {{ ref('int_judgement_rows_unioned') }}
    where not is_received_row and read_problem is not null
),

question_sources as (
    select * from {{ ref('question_sources') }}
),

-- Judgements held as columns of the case row (OMI2): one that cannot be read,
-- for a question harmonised across programmes, makes the case row unreadable.
unreadable_judgements as (
    select
        judgement_rows.programme,
        judgement_rows.source_file,
        judgement_rows.source_row,
        'unknown code: '
        || string_agg(judgement_rows.source_ref, ', ' order by question_sources.question_id)
            as judgement_problem
    from judgement_rows
    inner join question_sources
        on
            judgement_rows.programme = question_sources.programme
            and judgement_rows.source_ref = question_sources.source_ref
    group by all
),

duplicates_marked as (
    select
        case_rows.*,
        unreadable_judgements.judgement_problem,
        -- identical rows (overlapping exports) count once: the first one read.
        -- Rows of a superseded inspection or export are compared among themselves
        -- only: a later export repeating (or correcting) a case replaces it, it is
        -- neither its duplicate nor a conflict.
        -- A row with no case reference is on its own (quarantined for it).
        case
            when case_rows.case_key is null then 1
            else row_number() over (
                partition by
                    case_rows.programme,
                    case_rows.case_key,
                    case_rows.is_superseded_inspection,
                    case_rows.row_fingerprint
                order by case_rows.source_file, case_rows.source_row
            )
        end as copy_number,
        -- the same case received with different content cannot be trusted
        case
            when case_rows.case_key is null then 1
            else count(distinct case_rows.row_fingerprint) over (
                partition by
                    case_rows.programme,
                    case_rows.case_key,
                    case_rows.is_superseded_inspection
            )
        end as versions_of_case
    from case_rows
    left join unreadable_judgements
        on
            case_rows.programme = unreadable_judgements.programme
            and case_rows.source_file = unreadable_judgements.source_file
            and case_rows.source_row = unreadable_judgements.source_row
),

classified as (
    select
        *,
        case
            when is_superseded_inspection then 'excluded'
            when copy_number > 1 then 'duplicate'
            when read_problem is not null then 'quarantined'
            when judgement_problem is not null then 'quarantined'
            when versions_of_case > 1 then 'quarantined'
            -- a programme whose cases all count (no area rule) names no rule
            when not is_matched_area and unmatched_area_rule is not null then 'excluded'
            when is_custody then 'excluded'
            else 'sample'
        end as outcome,
        case
            when is_superseded_inspection then superseded_rule
            when copy_number > 1 then 'identical duplicate row'
            when read_problem is not null then read_problem
            when judgement_problem is not null then judgement_problem
            when versions_of_case > 1 then 'conflicting duplicate'
            when not is_matched_area and unmatched_area_rule is not null
                then unmatched_area_rule
            when is_custody then 'custody case'
        end as outcome_reason
    from duplicates_marked
)

select * from classified
