-- Q&I's case rows in the standard shape every programme's staging ends in
-- (unioned by int_case_rows_unioned): one row per row received.

with

cases as (
    select * from {{ ref('stg_qi__cases') }}
),

final as (
    select
        'Q&I' as programme,
        case_key,
        source_file,
        source_row,
        row_fingerprint,
        inspection_id,
        inspection_month as fieldwork_month,
        pcc_area as area,
        is_matched_area,
        'area not matched to OMI2 (Gwent, Suffolk)' as unmatched_area_rule,
        is_superseded_inspection,
        'superseded inspection (London, December 2016)' as superseded_rule,
        false as is_custody,
        responsible_agency as allocated_agency,
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
