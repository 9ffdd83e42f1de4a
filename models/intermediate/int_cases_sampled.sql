-- The comparison sample: one row per case, with the responsible agency: as
-- allocated where the programme records it, else the proxy (OMI2's inspections
-- predate the split); the programmes seed says which.

with

screened as (
    select * from {{ ref('int_case_rows_screened') }}
),

programmes as (
    select * from {{ ref('programmes') }}
),

sample as (
    select screened.*
    from screened
    where screened.outcome = 'sample'
),

with_agency as (
    select
        sample.case_key,
        sample.programme,
        sample.inspection_id,
        sample.fieldwork_month,
        sample.area,
        sample.is_matched_area,
        {{ proxy_agency('sample.mappa_eligible', 'sample.rosh_level') }} as proxy_agency,
        coalesce(
            sample.allocated_agency,
            {{ proxy_agency('sample.mappa_eligible', 'sample.rosh_level') }}
        ) as responsible_agency,
        programmes.agency_basis,
        sample.gender,
        sample.age_group,
        sample.ethnic_group,
        sample.supervision_type,
        sample.rosh_level,
        sample.mappa_eligible,
        sample.offence_category,
        sample.domestic_abuse_perpetrator,
        sample.iom_case,
        sample.child_protection_case,
        sample.source_file,
        sample.source_row
    from sample
    inner join programmes on sample.programme = programmes.programme
)

select * from with_agency
