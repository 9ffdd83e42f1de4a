-- One row per case in the comparison sample (both programmes).

with

sampled_cases as (
    select * from {{ ref('int_cases_sampled') }}
),

final as (
    select
        -- ids
        case_key,

        -- programme and place
        programme,
        inspection_id,
        area,
        is_matched_area,

        -- agency
        responsible_agency,
        agency_basis,
        proxy_agency,

        -- the service user
        gender,
        age_group,
        ethnic_group,

        -- the sentence and the risk
        supervision_type,
        rosh_level,
        mappa_eligible,
        offence_category,
        domestic_abuse_perpetrator,
        iom_case,
        child_protection_case
    from sampled_cases
)

select * from final
