-- OMI2's case rows in the standard shape every programme's staging ends in
-- (unioned by int_case_rows_unioned): one row per row received.

with

cases as (
    select * from {{ ref('stg_omi2__cases') }}
),

final as (
    select
        'OMI2' as programme,
        case_key,
        source_file,
        source_row,
        row_fingerprint,
        -- OMI2 has no inspection ids: the trust and the month identify one
        trust_code || '-' || strftime(inspection_month, '%Y-%m') as inspection_id,
        inspection_month as fieldwork_month,
        trust_area as area,
        trust_area is not null as is_matched_area,
        'trust outside the 12 matched areas' as unmatched_area_rule,
        false as is_superseded_inspection,
        cast(null as varchar) as superseded_rule,
        coalesce(is_custody, false) as is_custody,
        cast(null as varchar) as allocated_agency,
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
