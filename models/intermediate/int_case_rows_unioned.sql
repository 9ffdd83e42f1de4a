-- Both programmes' case rows in one shape, before any rule is applied.

with

omi2_cases as (
    select * from {{ ref('stg_omi2__cases') }}
),

qi_cases as (
    select * from {{ ref('stg_qi__cases') }}
),

omi2 as (
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
        false as is_superseded_inspection,
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
    from omi2_cases
),

qi as (
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
        is_superseded_inspection,
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
    from qi_cases
),

unioned as (
    select * from omi2
    union all
    select * from qi
)

select * from unioned
