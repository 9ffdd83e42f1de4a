-- The comparison sample: one row per case, with the responsible agency (Q&I:
-- allocated; OMI2: the proxy, as the OMI2 inspections predate the split).

with

screened as (
    select * from {{ ref('int_case_rows_screened') }}
),

sample as (
    select * from screened
    where outcome = 'sample'
),

with_agency as (
    select
        case_key,
        programme,
        inspection_id,
        fieldwork_month,
        area,
        {{ proxy_agency('mappa_eligible', 'rosh_level') }} as proxy_agency,
        coalesce(allocated_agency, {{ proxy_agency('mappa_eligible', 'rosh_level') }})
            as responsible_agency,
        case when programme = 'OMI2' then 'proxy' else 'allocated' end as agency_basis,
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
        source_file,
        source_row
    from sample
)

select * from with_agency
