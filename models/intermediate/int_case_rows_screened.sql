-- Where every case row received ends: in the sample, a duplicate, quarantined
-- with the reason, or excluded by a named sample rule (bulletin section 2 and
-- Annex A). Exactly one outcome per raw row; rpt_sample_flow counts them.

with

case_rows as (
    select * from {{ ref('int_case_rows_unioned') }}
),

duplicates_marked as (
    select
        *,
        -- identical rows (overlapping exports) count once: the first one read
        row_number() over (
            partition by programme, case_key, row_fingerprint
            order by source_file, source_row
        ) as copy_number,
        -- the same case received with different content cannot be trusted
        count(distinct row_fingerprint) over (
            partition by programme, case_key
        ) as versions_of_case
    from case_rows
),

classified as (
    select
        *,
        case
            when copy_number > 1 then 'duplicate'
            when read_problem is not null then 'quarantined'
            when versions_of_case > 1 then 'quarantined'
            when not is_matched_area then 'excluded'
            when is_custody then 'excluded'
            when is_superseded_inspection then 'excluded'
            else 'sample'
        end as outcome,
        case
            when copy_number > 1 then 'identical duplicate row'
            when read_problem is not null then read_problem
            when versions_of_case > 1 then 'conflicting duplicate'
            when not is_matched_area and programme = 'OMI2'
                then 'trust outside the 12 matched areas'
            when not is_matched_area then 'area not matched to OMI2 (Gwent, Suffolk)'
            when is_custody then 'custody case'
            when is_superseded_inspection
                then 'superseded inspection (London, December 2016)'
        end as outcome_reason
    from duplicates_marked
)

select * from classified
