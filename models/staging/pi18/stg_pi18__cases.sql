-- One row per PI18 case received (one per case of every export), typed and
-- decoded. Personal fields (crn, name, date of birth, notes) stop here; case_id
-- only feeds the keyed case_key, and the date of birth only the age at start.
--
-- Re-exports: the latest export of an inspection (by exported_at, then
-- re-export number) counts; the cases of its earlier exports are marked superseded.

with

source as (
    select * from {{ source('pi18', 'pi18_cases') }}
),

code_lists as (
    select * from {{ ref('code_lists') }}
),

areas as (
    select * from {{ ref('areas') }}
),

services as (
    select * from {{ ref('pi18_services') }}
),

programme as (
    select * from {{ ref('programmes') }}
    where programme = 'PI18'
),

received as (
    select
        _source_file as source_file,
        _source_row as source_row,
        nullif(trim(case_id), '') as case_ref,
        -- the case's own fields: a case repeated in another export is the same case
        {{ pseudonymise(
            'to_json(struct_pack(*columns(* exclude (
                _source_file, _source_sha256, _source_row, _loaded_at, format, exported_at,
                "inspection.id", "inspection.service", "inspection.agency",
                "inspection.fieldwork_start", "inspection.fieldwork_end"
            ))))'
        ) }} as row_fingerprint,
        try_cast(trim(exported_at) as timestamptz) as exported_at,
        upper(nullif(trim("inspection.id"), '')) as inspection_id,
        nullif(trim("inspection.service"), '') as service_name,
        {{ received_code('"inspection.agency"') }} as agency_code,
        nullif(trim("inspection.fieldwork_start"), '') as fieldwork_start_text,
        nullif(trim("inspection.fieldwork_end"), '') as fieldwork_end_text,
        nullif(trim(date_of_birth), '') as date_of_birth_text,
        nullif(trim(start_date), '') as start_date_text,
        nullif(trim(pcc_area), '') as pcc_area_text,
        {{ received_code('sex') }} as sex_code,
        {{ received_code('ethnicity') }} as ethnicity_code,
        {{ received_code('sentence') }} as sentence_code,
        {{ received_code('rosh') }} as rosh_code,
        {{ received_code('"mappa.eligible"') }} as mappa_code,
        {{ received_code('offence') }} as offence_code,
        {{ received_code('"flags.domestic_abuse"') }} as domestic_abuse_code,
        {{ received_code('"flags.iom"') }} as iom_code,
        {{ received_code('"flags.child_protection"') }} as child_protection_code,
        {{ received_code('rosh_classification_reasonable') }} as rosh_reasonable_code
    from source
),

-- the export of each inspection that counts: the latest by exported_at, then by
-- re-export number read as a number (PI18_<id>_20.json after _9; the first
-- export, with no number, is 1)
latest_export as (
    select
        inspection_id,
        arg_max(
            source_file,
            (
                exported_at,
                coalesce(
                    try_cast(regexp_extract(source_file, '_([0-9]+)\.json$', 1) as integer), 1
                )
            )
        ) as source_file
    from received
    where inspection_id is not null and exported_at is not null
    group by inspection_id
),

decoded as (
    select
        received.*,
        {{ iso_date('received.date_of_birth_text') }} as date_of_birth,
        {{ iso_date('received.start_date_text') }} as start_date,
        {{ iso_date('received.fieldwork_start_text') }} as fieldwork_start,
        {{ iso_date('received.fieldwork_end_text') }} as fieldwork_end,
        -- no latest export when the inspection id or export time cannot be read: the
        -- row is quarantined for that instead
        coalesce(latest_export.source_file <> received.source_file, false)
            as is_superseded_export,
        areas.area,
        coalesce(areas.is_matched_area, false) as is_matched_area,
        agency.harmonised as allocated_agency,
        sex.harmonised as gender,
        ethnicity.harmonised as ethnic_group,
        sentence.label as sentence_type,
        sentence.harmonised as supervision_type,
        rosh.label as rosh,
        rosh.harmonised as rosh_level,
        mappa.harmonised as mappa_eligible_text,
        offence.harmonised as offence_category,
        domestic_abuse.harmonised as domestic_abuse_text,
        iom.harmonised as iom_text,
        child_protection.harmonised as child_protection_text,
        concat_ws(
            ', ',
            case when services.service_code is null then 'inspection.id' end,
            case when received.agency_code is null then 'inspection.agency' end,
            {{ unknown_code('agency', 'received.agency_code', 'inspection.agency') }},
            case
                when received.pcc_area_text is not null and areas.area is null
                    then 'pcc_area'
            end,
            {{ unknown_code('sex', 'received.sex_code', 'sex') }},
            {{ unknown_code('ethnicity', 'received.ethnicity_code', 'ethnicity') }},
            case when received.sentence_code is null then 'sentence' end,
            {{ unknown_code('sentence', 'received.sentence_code', 'sentence') }},
            {{ unknown_code('rosh', 'received.rosh_code', 'rosh') }},
            {{ unknown_code('mappa', 'received.mappa_code', 'mappa.eligible') }},
            {{ unknown_code('offence', 'received.offence_code', 'offence') }},
            {{ unknown_code(
                'domestic_abuse', 'received.domestic_abuse_code', 'flags.domestic_abuse'
            ) }},
            {{ unknown_code('iom', 'received.iom_code', 'flags.iom') }},
            {{ unknown_code(
                'child_protection', 'received.child_protection_code', 'flags.child_protection'
            ) }}
        ) as unknown_code_columns
    from received
    left join latest_export on received.inspection_id = latest_export.inspection_id
    -- the service is the one the inspection id ends with (PI18-YYYY-MM-<code>)
    left join services
        on
            regexp_extract(received.inspection_id, '^PI18-\d{4}-\d{2}-(.+)$', 1)
            = upper(services.service_code)
    left join areas on lower(received.pcc_area_text) = lower(areas.area)
    {{ decode_join('agency', 'PI18', 'agency', 'received.agency_code') }}
    {{ decode_join('sex', 'PI18', 'sex', 'received.sex_code') }}
    {{ decode_join('ethnicity', 'PI18', 'ethnicity', 'received.ethnicity_code') }}
    {{ decode_join('sentence', 'PI18', 'sentence_type', 'received.sentence_code') }}
    {{ decode_join('rosh', 'PI18', 'rosh', 'received.rosh_code') }}
    {{ decode_join('mappa', 'PI18', 'flag', 'received.mappa_code') }}
    {{ decode_join('offence', 'PI18', 'offence', 'received.offence_code') }}
    {{ decode_join('domestic_abuse', 'PI18', 'flag', 'received.domestic_abuse_code') }}
    {{ decode_join('iom', 'PI18', 'flag', 'received.iom_code') }}
    {{ decode_join('child_protection', 'PI18', 'flag', 'received.child_protection_code') }}
),

aged as (
    select
        *,
        -- whole years at the start of the order or licence
        {{ whole_years_between('date_of_birth', 'start_date') }} as age_years,
        programme.fieldwork_start_year,
        programme.fieldwork_end_year
    from decoded
    cross join programme
),

final as (
    select
        -- ids
        {{ pseudonymise("'PI18:' || case_ref") }} as case_key,
        source_file,
        source_row,
        row_fingerprint,

        -- where and when
        inspection_id,
        date_trunc('month', fieldwork_start)::date as fieldwork_month,
        area,
        is_matched_area,
        is_superseded_export,
        allocated_agency,

        -- the person, without identifying detail
        gender,
        age_years as age_at_start,
        {{ age_group('age_years') }} as age_group,
        ethnic_group,

        -- the sentence and the risk
        sentence_type,
        supervision_type,
        rosh,
        rosh_level,
        case mappa_eligible_text when 'Yes' then true when 'No' then false end
            as mappa_eligible,
        offence_category,
        case domestic_abuse_text when 'Yes' then true when 'No' then false end
            as domestic_abuse_perpetrator,
        case iom_text when 'Yes' then true when 'No' then false end as iom_case,
        case child_protection_text when 'Yes' then true when 'No' then false end
            as child_protection_case,
        rosh_reasonable_code,

        -- why the row cannot be read, if it cannot (first reason wins). The dates
        -- follow OMI2's rule: fieldwork in the programme's years, nothing after the
        -- inspection, an age bound (with no date of birth, the span a life allows)
        case
            when case_ref is null then 'missing case reference'
            when exported_at is null then 'unreadable date: exported_at'
            when fieldwork_start is null then 'unreadable date: inspection.fieldwork_start'
            when fieldwork_end is null then 'unreadable date: inspection.fieldwork_end'
            when start_date is null then 'unreadable date: start_date'
            when date_of_birth_text is not null and date_of_birth is null
                then 'unreadable date: date_of_birth'
            when
                year(fieldwork_start) not between fieldwork_start_year and fieldwork_end_year
                or year(fieldwork_end) not between fieldwork_start_year and fieldwork_end_year
                then
                    'fieldwork outside the programme''s fieldwork ('
                    || fieldwork_start_year || '-' || fieldwork_end_year || ')'
            when fieldwork_end < fieldwork_start then 'fieldwork ends before it starts'
            when exported_at < fieldwork_start then 'exported_at before the fieldwork'
            -- the only rule that reads the clock: a time not yet reached is a typo
            when exported_at > current_timestamp then 'exported_at in the future'
            when start_date > fieldwork_end then 'start date after the inspection''s fieldwork'
            -- 18 at the start and at most 110 at the inspection
            when start_date < fieldwork_start - interval 92 years
                then 'start date more than 92 years before the inspection'
            when unknown_code_columns <> '' then 'unknown code: ' || unknown_code_columns
            when pcc_area_text is null then 'missing pcc_area'
            when age_years > 110 or age_years < 0 then 'impossible age'
            when age_years < 18 then 'age under 18'
        end as read_problem
    from aged
)

select * from final
