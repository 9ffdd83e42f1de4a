-- PI18's case rows in the standard shape every programme's staging ends in
-- (unioned by int_case_rows_unioned): one row per case received.

with

cases as (
    select * from {{ ref('stg_pi18__cases') }}
),

final as (
    select
        'PI18' as programme,
        case_key,
        source_file,
        source_row,
        row_fingerprint,
        inspection_id,
        fieldwork_month,
        area,
        is_matched_area,
        -- a national sample: every area counts (the trend's matched scope filters)
        cast(null as varchar) as unmatched_area_rule,
        is_superseded_export as is_superseded_inspection,
        'superseded export (a later export of the inspection counts)' as superseded_rule,
        false as is_custody,
        allocated_agency,
        gender,
        age_group,
        ethnic_group,
        supervision_type,
        rosh_level,
        mappa_eligible,
        offence_category,
        domestic_abuse_perpetrator,
        iom_case,
        child_protection_case,
        read_problem
    from cases
)

select * from final
