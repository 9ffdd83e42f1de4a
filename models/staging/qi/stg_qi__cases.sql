-- One row per Q&I case row received, typed and decoded. Personal columns (CRN,
-- name, notes) stop here; Case ID only feeds the keyed case_key.

with

source as (
    select * from {{ source('qi', 'qi_cases') }}
),

code_lists as (
    select * from {{ ref('code_lists') }}
),

inspections as (
    select * from {{ ref('qi_inspections') }}
),

received as (
    select
        _source_file as source_file,
        _source_row as source_row,
        nullif(trim("Case ID"), '') as case_ref,
        {{ pseudonymise(
            "to_json(struct_pack(*columns(* exclude (_source_file, _source_sha256, _source_row, _loaded_at))))"
        ) }} as row_fingerprint,
        upper(nullif(trim("Inspection ID"), '')) as inspection_id,
        nullif(trim("PCC area"), '') as pcc_area,
        nullif(trim(age), '') as age_text,
        {{ received_code('"Provider"') }} as provider_code,
        {{ received_code('"Gender"') }} as gender_code,
        {{ received_code('"Ethnicity"') }} as ethnicity_code,
        {{ received_code('"Sentence type"') }} as sentence_type_code,
        {{ received_code('"RoSH"') }} as rosh_code,
        {{ received_code('"MAPPA"') }} as mappa_code,
        {{ received_code('"Offence category"') }} as offence_code,
        {{ received_code('"DA perpetrator"') }} as domestic_abuse_code,
        {{ received_code('"IOM"') }} as iom_code,
        {{ received_code('"Child protection"') }} as child_protection_code
    from source
),

decoded as (
    select
        received.*,
        try_cast(age_text as integer) as age_years,
        inspections.inspection_id is not null as is_registered_inspection,
        inspections.pcc_area as registered_area,
        inspections.report_month as inspection_month,
        inspections.is_superseded as is_superseded_inspection,
        inspections.is_matched_area,
        provider.harmonised as responsible_agency,
        gender.harmonised as gender,
        ethnicity.harmonised as ethnic_group,
        sentence_type.label as sentence_type,
        sentence_type.harmonised as supervision_type,
        rosh.label as rosh,
        rosh.harmonised as rosh_level,
        mappa.harmonised as mappa_eligible_text,
        offence.harmonised as offence_category,
        domestic_abuse.harmonised as domestic_abuse_text,
        iom.harmonised as iom_text,
        child_protection.harmonised as child_protection_text,
        concat_ws(
            ', ',
            case when inspections.inspection_id is null then 'Inspection ID' end,
            case when provider_code is null then 'Provider' end,
            {{ unknown_code('provider', 'provider_code', 'Provider') }},
            {{ unknown_code('gender', 'gender_code', 'Gender') }},
            {{ unknown_code('ethnicity', 'ethnicity_code', 'Ethnicity') }},
            case when sentence_type_code is null then 'Sentence type' end,
            {{ unknown_code('sentence_type', 'sentence_type_code', 'Sentence type') }},
            {{ unknown_code('rosh', 'rosh_code', 'RoSH') }},
            {{ unknown_code('mappa', 'mappa_code', 'MAPPA') }},
            {{ unknown_code('offence', 'offence_code', 'Offence category') }},
            {{ unknown_code('domestic_abuse', 'domestic_abuse_code', 'DA perpetrator') }},
            {{ unknown_code('iom', 'iom_code', 'IOM') }},
            {{ unknown_code('child_protection', 'child_protection_code', 'Child protection') }}
        ) as unknown_code_columns
    from received
    left join inspections on received.inspection_id = inspections.inspection_id
    {{ decode_join('provider', 'Q&I', 'provider', 'provider_code') }}
    {{ decode_join('gender', 'Q&I', 'sex', 'gender_code') }}
    {{ decode_join('ethnicity', 'Q&I', 'ethnicity', 'ethnicity_code') }}
    {{ decode_join('sentence_type', 'Q&I', 'sentence_type', 'sentence_type_code') }}
    {{ decode_join('rosh', 'Q&I', 'rosh', 'rosh_code') }}
    {{ decode_join('mappa', 'Q&I', 'mappa', 'mappa_code') }}
    {{ decode_join('offence', 'Q&I', 'offence', 'offence_code') }}
    {{ decode_join('domestic_abuse', 'Q&I', 'flag', 'domestic_abuse_code') }}
    {{ decode_join('iom', 'Q&I', 'flag', 'iom_code') }}
    {{ decode_join('child_protection', 'Q&I', 'flag', 'child_protection_code') }}
),

final as (
    select
        -- ids
        {{ pseudonymise("'Q&I:' || case_ref") }} as case_key,
        source_file,
        source_row,
        row_fingerprint,

        -- where and when
        inspection_id,
        inspection_month,
        coalesce(registered_area, pcc_area) as pcc_area,
        coalesce(is_matched_area, false) as is_matched_area,
        coalesce(is_superseded_inspection, false) as is_superseded_inspection,
        responsible_agency,

        -- the service user, without identifying detail
        gender,
        age_years as age_at_sentence,
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

        -- why the row cannot be read, if it cannot (first reason wins)
        case
            when case_ref is null then 'missing case reference'
            when age_text is not null and age_years is null then 'unreadable age'
            when unknown_code_columns <> '' then 'unknown code: ' || unknown_code_columns
            when age_years > 110 then 'impossible age'
            when age_years < 18 then 'age under 18'
        end as read_problem
    from decoded
)

select * from final
