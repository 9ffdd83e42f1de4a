-- One row per OMI2 row received (duplicates included), typed and decoded.
-- Personal columns (CRN, names, DOB, comments) stop here: DOB only feeds the
-- age at sentence and the checks on it; CaseRef only feeds the keyed case_key.

with

source as (
    select * from {{ source('omi2', 'omi2_cases') }}
),

code_lists as (
    select * from {{ ref('code_lists') }}
),

trusts as (
    select * from {{ ref('omi2_trusts') }}
),

programme as (
    select * from {{ ref('programmes') }}
    where programme = 'OMI2'
),

received as (
    select
        _source_file as source_file,
        _source_row as source_row,
        nullif(trim(caseref), '') as case_ref,
        -- every received column, keyed, so identical rows can be found later
        {{ pseudonymise(
            "to_json(struct_pack(*columns(* exclude (_source_file, _source_sha256, _source_row, _loaded_at))))"
        ) }} as row_fingerprint,
        nullif(trim(trust), '') as trust_name,
        nullif(trim(inspectionmonth), '') as inspection_month_text,
        nullif(trim(sentencedate), '') as sentence_date_text,
        nullif(trim(dob), '') as birth_date_text,
        {{ received_code('"Sex"') }} as sex_code,
        {{ received_code('"EthnicCode"') }} as ethnic_code,
        {{ received_code('"SentenceType"') }} as sentence_type_code,
        {{ received_code('"RoSH"') }} as rosh_code,
        {{ received_code('"MAPPACategory"') }} as mappa_category_code,
        {{ received_code('"MAPPALevel"') }} as mappa_level_code,
        {{ received_code('"OffenceGroup"') }} as offence_code,
        {{ received_code('"DAPerpetrator"') }} as domestic_abuse_code,
        {{ received_code('"IOM"') }} as iom_code,
        {{ received_code('"ChildProtection"') }} as child_protection_code,
        {{ received_code('"RH05"') }} as rh05_code,
        {{ received_code('"RH08"') }} as rh08_code,
        {{ received_code('"RH09"') }} as rh09_code,
        {{ received_code('"RH10"') }} as rh10_code,
        {{ received_code('"RV03"') }} as rv03_code,
        {{ received_code('"RV04"') }} as rv04_code,
        {{ received_code('"DL12"') }} as dl12_code,
        {{ received_code('"PL01"') }} as pl01_code,
        {{ received_code('"PL04"') }} as pl04_code,
        {{ received_code('"IN02"') }} as in02_code
    from source
),

-- Dates are read only in the contract's layout (dd/mm/yyyy, month mm/yyyy):
-- strptime alone would read 01/01/70 as the year 70 and 2010-06-15 as nothing.
parsed as (
    select
        *,
        {{ date_layout_problem('sentence_date_text', 'SentenceDate') }}
            as sentence_date_layout,
        {{ date_layout_problem('birth_date_text', 'DOB') }} as birth_date_layout,
        case
            when not regexp_full_match(inspection_month_text, '\d{1,2}/\d{4}')
                then 'unreadable date: InspectionMonth (not mm/yyyy)'
        end as inspection_month_layout,
        {{ dmy_date('sentence_date_text') }} as sentence_date,
        {{ dmy_date('birth_date_text') }} as birth_date,
        {{ dmy_date("'01/' || inspection_month_text") }} as inspection_month
    from received
),

decoded as (
    select
        parsed.*,
        trusts.area as trust_area,
        trusts.trust_code,
        sex.harmonised as gender,
        ethnicity.harmonised as ethnic_group,
        sentence_type.label as sentence_type,
        sentence_type.harmonised as supervision_type,
        rosh.harmonised as rosh_level,
        rosh.label as rosh,
        mappa.harmonised as mappa_eligible_text,
        mappa_level.harmonised as mappa_level,
        offence.harmonised as offence_category,
        domestic_abuse.harmonised as domestic_abuse_text,
        iom.harmonised as iom_text,
        child_protection.harmonised as child_protection_text,
        concat_ws(
            ', ',
            case when trusts.trust_name is null then 'Trust' end,
            {{ unknown_code('sex', 'sex_code', 'Sex') }},
            {{ unknown_code('ethnicity', 'ethnic_code', 'EthnicCode') }},
            {{ unknown_code('sentence_type', 'sentence_type_code', 'SentenceType') }},
            {{ unknown_code('rosh', 'rosh_code', 'RoSH') }},
            {{ unknown_code('mappa', 'mappa_category_code', 'MAPPACategory') }},
            {{ unknown_code('mappa_level', 'mappa_level_code', 'MAPPALevel') }},
            {{ unknown_code('offence', 'offence_code', 'OffenceGroup') }},
            {{ unknown_code('domestic_abuse', 'domestic_abuse_code', 'DAPerpetrator') }},
            {{ unknown_code('iom', 'iom_code', 'IOM') }},
            {{ unknown_code('child_protection', 'child_protection_code', 'ChildProtection') }}
        ) as unknown_code_columns
    from parsed
    -- codes and names compare trimmed and case-insensitively (input contract)
    left join trusts on lower(parsed.trust_name) = lower(trusts.trust_name)
    {{ decode_join('sex', 'OMI2', 'sex', 'sex_code') }}
    {{ decode_join('ethnicity', 'OMI2', 'ethnicity', 'ethnic_code') }}
    {{ decode_join('sentence_type', 'OMI2', 'sentence_type', 'sentence_type_code') }}
    {{ decode_join('rosh', 'OMI2', 'rosh', 'rosh_code') }}
    {{ decode_join('mappa', 'OMI2', 'mappa', 'mappa_category_code') }}
    {{ decode_join('mappa_level', 'OMI2', 'mappa_level', 'mappa_level_code') }}
    {{ decode_join('offence', 'OMI2', 'offence', 'offence_code') }}
    {{ decode_join('domestic_abuse', 'OMI2', 'flag', 'domestic_abuse_code') }}
    {{ decode_join('iom', 'OMI2', 'flag', 'iom_code') }}
    {{ decode_join('child_protection', 'OMI2', 'flag', 'child_protection_code') }}
),

aged as (
    select
        *,
        {{ whole_years_between('birth_date', 'sentence_date') }} as age_at_sentence,
        programme.fieldwork_start_year,
        programme.fieldwork_end_year
    from decoded
    cross join programme
),

final as (
    select
        -- ids
        {{ pseudonymise("'OMI2:' || case_ref") }} as case_key,
        source_file,
        source_row,
        row_fingerprint,

        -- where and when
        trust_code,
        trust_area,
        inspection_month,
        sentence_date,

        -- the service user, without identifying detail
        gender,
        age_at_sentence::integer as age_at_sentence,
        {{ age_group('age_at_sentence') }} as age_group,
        ethnic_group,

        -- the sentence and the risk
        sentence_type,
        supervision_type,
        sentence_type_code = 'cust' as is_custody,
        rosh,
        rosh_level,
        case mappa_eligible_text when 'Yes' then true when 'No' then false end
            as mappa_eligible,
        mappa_level,
        offence_category,
        case domestic_abuse_text when 'Yes' then true when 'No' then false end
            as domestic_abuse_perpetrator,
        case iom_text when 'Yes' then true when 'No' then false end as iom_case,
        case child_protection_text when 'Yes' then true when 'No' then false end
            as child_protection_case,

        -- judgement codes, one column per question (decoded, and checked, by
        -- stg_omi2__judgement_rows; a case whose judgement for a harmonised
        -- question cannot be read is quarantined in int_case_rows_screened)
        rh05_code,
        rh08_code,
        rh09_code,
        rh10_code,
        rv03_code,
        rv04_code,
        dl12_code,
        pl01_code,
        pl04_code,
        in02_code,

        -- why the row cannot be read, if it cannot (first reason wins)
        case
            when case_ref is null then 'missing case reference'
            when sentence_date_text is null then 'missing required date: SentenceDate'
            when sentence_date_layout is not null then sentence_date_layout
            when sentence_date is null then 'impossible date: SentenceDate'
            when inspection_month_text is null then 'missing required date: InspectionMonth'
            when inspection_month_layout is not null then inspection_month_layout
            when inspection_month is null then 'impossible date: InspectionMonth'
            when
                year(inspection_month)
                not between fieldwork_start_year and fieldwork_end_year
                then
                    'inspection month outside the programme''s fieldwork ('
                    || fieldwork_start_year || '-' || fieldwork_end_year || ')'
            when sentence_date > last_day(inspection_month)
                then 'sentence date after the inspection month'
            when birth_date_layout is not null then birth_date_layout
            when birth_date_text is not null and birth_date is null
                then 'impossible date: DOB'
            when unknown_code_columns <> '' then 'unknown code: ' || unknown_code_columns
            when birth_date > sentence_date then 'DOB after sentence date'
            when age_at_sentence < 18 then 'age under 18'
            when age_at_sentence > 110 then 'impossible age: over 110 at sentence'
        end as read_problem
    from aged
)

select * from final
