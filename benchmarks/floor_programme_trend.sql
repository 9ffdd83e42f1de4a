-- The floor for every programme: reporting.rpt_programme_trend's counts (n and
-- n yes per question, programme, responsible agency and scope) computed straight
-- from the raw tables of OMI2, Q&I and PI18 in one query, with the rules that
-- decide them (docs/input-contract.md sections 5, 6 and 9): codes decoded and
-- unknown ones quarantined, unreadable dates and ages, the superseded Q&I
-- inspection and PI18 exports, identical and conflicting duplicates, matched
-- areas, custody, the agency as allocated or by the bulletin's proxy. No
-- layers, no keys, no tests, no dbt: the cases are grouped by their raw
-- reference. The lookups are read from the seed CSVs (run from the project's
-- root). benchmarks/benchmark.py times it and checks that its result equals the
-- build's.

with

-- lookups --------------------------------------------------------------------

codes as (
    select programme, code_list, code, harmonised
    from read_csv('seeds/code_lists.csv', all_varchar = true)
),

programmes as (
    select
        programme,
        fieldwork_start_year::integer as first_year,
        fieldwork_end_year::integer as last_year,
        national_sample = 'true' as is_national_sample
    from read_csv('seeds/programmes.csv', all_varchar = true)
),

crosswalk as (
    select programme, question_id::integer as question_id, source_ref
    from read_csv('seeds/question_sources.csv', all_varchar = true)
),

trusts as (
    select lower(trust_name) as trust_name, area
    from read_csv('seeds/omi2_trusts.csv', all_varchar = true)
),

inspections as (
    select inspection_id, is_superseded = 'true' as is_superseded,
        is_matched_area = 'true' as is_matched_area
    from read_csv('seeds/qi_inspections.csv', all_varchar = true)
),

areas as (
    select lower(area) as area, is_matched_area = 'true' as is_matched_area
    from read_csv('seeds/areas.csv', all_varchar = true)
),

services as (
    select upper(service_code) as service_code
    from read_csv('seeds/pi18_services.csv', all_varchar = true)
),

-- OMI2: one row per row received; codes compare trimmed and case-insensitively,
-- dates only as dd/mm/yyyy (month mm/yyyy) ----------------------------------

omi2_received as (
    select
        nullif(trim(caseref), '') as case_ref,
        hash(*columns(* exclude (
            _source_file, _source_sha256, _source_row, _loaded_at
        ))) as fingerprint,
        _source_file as source_file,
        _source_row as source_row,
        lower(nullif(trim(trust), '')) as trust_name,
        nullif(trim(sentencedate), '') as sentence_text,
        nullif(trim(dob), '') as dob_text,
        nullif(trim(inspectionmonth), '') as month_text,
        nullif(lower(trim(sentencetype)), '') as sentence_code,
        nullif(lower(trim(rosh)), '') as rosh_code,
        nullif(lower(trim(mappacategory)), '') as mappa_code,
        [
            {'code_list': 'sex', 'code': nullif(lower(trim(sex)), '')},
            {'code_list': 'ethnicity', 'code': nullif(lower(trim(ethniccode)), '')},
            {'code_list': 'sentence_type', 'code': nullif(lower(trim(sentencetype)), '')},
            {'code_list': 'rosh', 'code': nullif(lower(trim(rosh)), '')},
            {'code_list': 'mappa', 'code': nullif(lower(trim(mappacategory)), '')},
            {'code_list': 'mappa_level', 'code': nullif(lower(trim(mappalevel)), '')},
            {'code_list': 'offence', 'code': nullif(lower(trim(offencegroup)), '')},
            {'code_list': 'flag', 'code': nullif(lower(trim(daperpetrator)), '')},
            {'code_list': 'flag', 'code': nullif(lower(trim(iom)), '')},
            {'code_list': 'flag', 'code': nullif(lower(trim(childprotection)), '')}
        ] as coded,
        -- the judgement columns of harmonised questions (question_sources.csv)
        [
            {'source_ref': 'RH05', 'code': nullif(lower(trim(rh05)), '')},
            {'source_ref': 'RH08', 'code': nullif(lower(trim(rh08)), '')},
            {'source_ref': 'RH09', 'code': nullif(lower(trim(rh09)), '')},
            {'source_ref': 'RH10', 'code': nullif(lower(trim(rh10)), '')},
            {'source_ref': 'RV03', 'code': nullif(lower(trim(rv03)), '')},
            {'source_ref': 'RV04', 'code': nullif(lower(trim(rv04)), '')},
            {'source_ref': 'DL12', 'code': nullif(lower(trim(dl12)), '')},
            {'source_ref': 'PL01', 'code': nullif(lower(trim(pl01)), '')}
        ] as held
    from raw.omi2_cases
),

omi2_dated as (
    select
        *,
        case when regexp_full_match(sentence_text, '\d{1,2}/\d{1,2}/\d{4}')
            then try_strptime(sentence_text, '%d/%m/%Y')::date end as sentence_date,
        case when regexp_full_match(dob_text, '\d{1,2}/\d{1,2}/\d{4}')
            then try_strptime(dob_text, '%d/%m/%Y')::date end as dob,
        case when regexp_full_match(month_text, '\d{1,2}/\d{4}')
            then try_strptime('01/' || month_text, '%d/%m/%Y')::date end as month
    from omi2_received
),

omi2_rows as (
    select
        'OMI2' as programme,
        omi2.case_ref,
        omi2.fingerprint,
        omi2.source_file,
        omi2.source_row,
        false as is_superseded,
        coalesce(trusts.area is not null, false) as is_matched_area,
        -- trusts outside the 12 areas are out of the comparison
        coalesce(trusts.area is not null, false) as is_in_area,
        coalesce(omi2.sentence_code = 'cust', false) as is_custody,
        not (
            omi2.case_ref is null or omi2.sentence_date is null or omi2.month is null
            or year(omi2.month) not between omi2_years.first_year and omi2_years.last_year
            or omi2.sentence_date > last_day(omi2.month)
            or (omi2.dob_text is not null and omi2.dob is null)
            or trusts.trust_name is null
            or coalesce(omi2.dob > omi2.sentence_date, false)
            -- whole years at sentence
            or coalesce(
                year(omi2.sentence_date) - year(omi2.dob)
                - (strftime(omi2.sentence_date, '%m%d') < strftime(omi2.dob, '%m%d'))::integer
                not between 18 and 110,
                false
            )
        ) as is_readable,
        -- the bulletin's proxy: MAPPA eligible or High/Very high RoSH is NPS
        case
            when coalesce(mappa.harmonised = 'Yes', false)
                or coalesce(rosh.harmonised = 'High/Very high', false) then 'NPS'
            else 'CRC'
        end as agency,
        list_concat(
            omi2.coded,
            list_transform(omi2.held, lambda a: {'code_list': 'answer', 'code': a.code})
        ) as coded,
        omi2.held
    from omi2_dated as omi2
    cross join (select * from programmes where programme = 'OMI2') as omi2_years
    left join trusts on omi2.trust_name = trusts.trust_name
    left join codes as rosh
        on rosh.programme = 'OMI2' and rosh.code_list = 'rosh'
        and rosh.code = omi2.rosh_code
    left join codes as mappa
        on mappa.programme = 'OMI2' and mappa.code_list = 'mappa'
        and mappa.code = omi2.mappa_code
),

-- Q&I cases: the inspection register says the area and the superseded one ----

qi_received as (
    select
        nullif(trim("Case ID"), '') as case_ref,
        hash(*columns(* exclude (
            _source_file, _source_sha256, _source_row, _loaded_at
        ))) as fingerprint,
        _source_file as source_file,
        _source_row as source_row,
        upper(nullif(trim("Inspection ID"), '')) as inspection_id,
        nullif(trim(age), '') as age_text,
        try_cast(nullif(trim(age), '') as integer) as age,
        nullif(lower(trim(provider)), '') as provider_code,
        nullif(lower(trim("Sentence type")), '') as sentence_code,
        [
            {'code_list': 'provider', 'code': nullif(lower(trim(provider)), '')},
            {'code_list': 'sex', 'code': nullif(lower(trim(gender)), '')},
            {'code_list': 'ethnicity', 'code': nullif(lower(trim(ethnicity)), '')},
            {'code_list': 'sentence_type', 'code': nullif(lower(trim("Sentence type")), '')},
            {'code_list': 'rosh', 'code': nullif(lower(trim(rosh)), '')},
            {'code_list': 'mappa', 'code': nullif(lower(trim(mappa)), '')},
            {'code_list': 'offence', 'code': nullif(lower(trim("Offence category")), '')},
            {'code_list': 'flag', 'code': nullif(lower(trim("DA perpetrator")), '')},
            {'code_list': 'flag', 'code': nullif(lower(trim(iom)), '')},
            {'code_list': 'flag', 'code': nullif(lower(trim("Child protection")), '')}
        ] as coded
    from raw.qi_cases
),

qi_rows as (
    select
        'Q&I' as programme,
        qi.case_ref,
        qi.fingerprint,
        qi.source_file,
        qi.source_row,
        coalesce(inspections.is_superseded, false) as is_superseded,
        coalesce(inspections.is_matched_area, false) as is_matched_area,
        -- Gwent and Suffolk are out of the comparison
        coalesce(inspections.is_matched_area, false) as is_in_area,
        false as is_custody,
        not (
            qi.case_ref is null or (qi.age_text is not null and qi.age is null)
            or inspections.inspection_id is null or qi.provider_code is null
            or qi.sentence_code is null
            or coalesce(qi.age not between 18 and 110, false)
        ) as is_readable,
        provider.harmonised as agency,
        qi.coded,
        cast([] as struct(source_ref varchar, code varchar)[]) as held
    from qi_received as qi
    left join inspections on qi.inspection_id = inspections.inspection_id
    left join codes as provider
        on provider.programme = 'Q&I' and provider.code_list = 'provider'
        and provider.code = qi.provider_code
),

-- PI18 cases: one per case of every export; the latest export of an
-- inspection counts ----------------------------------------------------------

pi18_received as (
    select
        nullif(trim(case_id), '') as case_ref,
        -- the case's own fields: the same case in another export is the same case
        hash(*columns(* exclude (
            _source_file, _source_sha256, _source_row, _loaded_at, format, exported_at,
            "inspection.id", "inspection.service", "inspection.agency",
            "inspection.fieldwork_start", "inspection.fieldwork_end"
        ))) as fingerprint,
        _source_file as source_file,
        _source_row as source_row,
        try_cast(trim(exported_at) as timestamptz) as exported_at,
        upper(nullif(trim("inspection.id"), '')) as inspection_id,
        nullif(lower(trim("inspection.agency")), '') as agency_code,
        try_strptime(nullif(trim("inspection.fieldwork_start"), ''), '%Y-%m-%d')
            as fieldwork_start,
        nullif(trim(date_of_birth), '') as dob_text,
        try_strptime(nullif(trim(date_of_birth), ''), '%Y-%m-%d')::date as dob,
        try_strptime(nullif(trim(start_date), ''), '%Y-%m-%d')::date as start_date,
        lower(nullif(trim(pcc_area), '')) as pcc_area,
        nullif(lower(trim(sentence)), '') as sentence_code,
        [
            {'code_list': 'agency', 'code': nullif(lower(trim("inspection.agency")), '')},
            {'code_list': 'sex', 'code': nullif(lower(trim(sex)), '')},
            {'code_list': 'ethnicity', 'code': nullif(lower(trim(ethnicity)), '')},
            {'code_list': 'sentence_type', 'code': nullif(lower(trim(sentence)), '')},
            {'code_list': 'rosh', 'code': nullif(lower(trim(rosh)), '')},
            {'code_list': 'flag', 'code': nullif(lower(trim("mappa.eligible")), '')},
            {'code_list': 'offence', 'code': nullif(lower(trim(offence)), '')},
            {'code_list': 'flag', 'code': nullif(lower(trim("flags.domestic_abuse")), '')},
            {'code_list': 'flag', 'code': nullif(lower(trim("flags.iom")), '')},
            {'code_list': 'flag', 'code': nullif(lower(trim("flags.child_protection")), '')},
            {'code_list': 'answer',
                'code': nullif(lower(trim(rosh_classification_reasonable)), '')}
        ] as coded,
        -- question 1 is a field of the case
        [{
            'source_ref': 'rosh_classification_reasonable',
            'code': nullif(lower(trim(rosh_classification_reasonable)), '')
        }] as held
    from raw.pi18_cases
),

-- the latest by exported_at, then by the re-export number (none is 1)
latest_exports as (
    select
        inspection_id,
        arg_max(source_file, (
            exported_at,
            coalesce(
                try_cast(regexp_extract(source_file, '_([0-9]+)\.json$', 1) as integer), 1
            )
        )) as source_file
    from pi18_received
    where inspection_id is not null and exported_at is not null
    group by inspection_id
),

pi18_rows as (
    select
        'PI18' as programme,
        pi18.case_ref,
        pi18.fingerprint,
        pi18.source_file,
        pi18.source_row,
        coalesce(latest_exports.source_file <> pi18.source_file, false) as is_superseded,
        coalesce(areas.is_matched_area, false) as is_matched_area,
        -- a national sample: every area counts
        true as is_in_area,
        false as is_custody,
        not (
            pi18.case_ref is null or pi18.exported_at is null
            or pi18.fieldwork_start is null or pi18.start_date is null
            or (pi18.dob_text is not null and pi18.dob is null)
            or services.service_code is null or pi18.agency_code is null
            or pi18.sentence_code is null or pi18.pcc_area is null or areas.area is null
            -- whole years at the start of the order or licence
            or coalesce(
                year(pi18.start_date) - year(pi18.dob)
                - (strftime(pi18.start_date, '%m%d') < strftime(pi18.dob, '%m%d'))::integer
                not between 18 and 110,
                false
            )
        ) as is_readable,
        agency.harmonised as agency,
        pi18.coded,
        pi18.held
    from pi18_received as pi18
    left join latest_exports on pi18.inspection_id = latest_exports.inspection_id
    left join services
        on regexp_extract(pi18.inspection_id, '^PI18-\d{4}-\d{2}-(.+)$', 1)
        = services.service_code
    left join areas on pi18.pcc_area = areas.area
    left join codes as agency
        on agency.programme = 'PI18' and agency.code_list = 'agency'
        and agency.code = pi18.agency_code
),

-- every case row, where it ends ---------------------------------------------

case_rows as (
    select * from omi2_rows
    union all
    select * from qi_rows
    union all
    select * from pi18_rows
),

-- rows holding a code outside its list (blank is no code)
unknown_codes as (
    select distinct received.programme, received.source_file, received.source_row
    from (
        select programme, source_file, source_row, unnest(coded) as coded
        from case_rows
    ) as received
    anti join codes
        on received.programme = codes.programme
        and received.coded.code_list = codes.code_list
        and received.coded.code = codes.code
    where received.coded.code is not null
),

-- A case counts when every row received for it (in the inspections and exports
-- that count) is a copy of one row, and the first of them, in file and row
-- order, can be read and is in the comparison: identical rows count once, one
-- case received with different content is quarantined. A superseded file's
-- rows are compared among themselves only, and never count.
cases as (
    select
        case_rows.programme,
        case_rows.case_ref,
        -- one version: every row alike
        min(case_rows.fingerprint) = max(case_rows.fingerprint) as is_one_version,
        arg_min(
            {
                'is_counted': case_rows.is_readable and unknown_codes.source_row is null
                    and case_rows.is_in_area and not case_rows.is_custody,
                'agency': case_rows.agency,
                'is_matched_area': case_rows.is_matched_area,
                'held': case_rows.held
            },
            (case_rows.source_file, case_rows.source_row)
        ) as first_row
    from case_rows
    left join unknown_codes
        on case_rows.programme = unknown_codes.programme
        and case_rows.source_file = unknown_codes.source_file
        and case_rows.source_row = unknown_codes.source_row
    where not case_rows.is_superseded
    group by case_rows.programme, case_rows.case_ref
),

sample as (
    select
        programme,
        case_ref,
        first_row.agency,
        first_row.is_matched_area,
        first_row.held
    from cases
    where is_one_version and first_row.is_counted
),

-- judgements received as rows: Q&I's sheet, PI18's ratings -------------------

-- a case row's file superseded: the judgements received in it go with it
superseded_cases as (
    select distinct programme, case_ref, source_file
    from case_rows
    where is_superseded
),

judgement_rows as (
    select
        'Q&I' as programme,
        nullif(trim("Case ID"), '') as case_ref,
        _source_file as source_file,
        _source_row as source_row,
        -- "Q2.5 B" and "4,4" are 2.5b and 4.4 (input contract, section 2)
        regexp_replace(
            replace(regexp_replace(lower(trim("Question ref")), '\s+', '', 'g'), ',', '.'),
            '^q\.?', ''
        ) as ref_code,
        nullif(lower(trim(answer)), '') as answer_code,
        true as is_answer_optional,
        'question_ref' as ref_list
    from raw.qi_judgements
    union all
    select
        'PI18',
        nullif(trim(case_id), ''),
        _source_file,
        _source_row,
        nullif(lower(trim(ref)), ''),
        nullif(lower(trim(rating)), ''),
        false,
        'rating_ref'
    from raw.pi18_ratings
),

judgements_decoded as (
    select
        judgement_rows.programme,
        judgement_rows.case_ref,
        judgement_rows.source_file,
        judgement_rows.source_row,
        ref.harmonised as source_ref,
        answer.harmonised as answer,
        judgement_rows.case_ref is not null
            and (answer.code is not null
                or (judgement_rows.is_answer_optional and answer_code is null))
            as is_readable
    from judgement_rows
    inner join codes as ref
        on ref.programme = judgement_rows.programme and ref.code_list = ref_list
        and ref.code = judgement_rows.ref_code
    left join codes as answer
        on answer.programme = judgement_rows.programme and answer.code_list = 'answer'
        and answer.code = judgement_rows.answer_code
),

-- A sample case's answer to a harmonised question counts when every row received
-- for it (outside superseded files) gives one answer, and the first of them can
-- be read: an identical row counts once, different answers are quarantined.
received_answers as (
    select
        judged.programme,
        judged.case_ref,
        crosswalk.question_id,
        arg_min(
            {'answer': judged.answer, 'is_readable': judged.is_readable},
            (judged.source_file, judged.source_row)
        ) as first_row
    from judgements_decoded as judged
    inner join crosswalk
        on judged.programme = crosswalk.programme and judged.source_ref = crosswalk.source_ref
    semi join sample
        on judged.programme = sample.programme and judged.case_ref = sample.case_ref
    anti join superseded_cases
        on judged.programme = superseded_cases.programme
        and judged.case_ref = superseded_cases.case_ref
        and judged.source_file = superseded_cases.source_file
    group by judged.programme, judged.case_ref, crosswalk.question_id
    -- one answer, a blank one included
    having min(coalesce(judged.answer, '')) = max(coalesce(judged.answer, ''))
),

-- answers held in the sample case row (OMI2's columns, PI18's question 1)
held_answers as (
    select held.programme, held.case_ref, crosswalk.question_id, codes.harmonised as answer
    from (select programme, case_ref, unnest(held) as held from sample) as held
    inner join crosswalk
        on held.programme = crosswalk.programme and held.held.source_ref = crosswalk.source_ref
    left join codes
        on codes.programme = held.programme and codes.code_list = 'answer'
        and codes.code = held.held.code
),

answers as (
    select programme, case_ref, question_id, first_row.answer as answer
    from received_answers
    where first_row.is_readable
    union all
    select * from held_answers
),

-- every sample case and question its programme collects ----------------------

judged as (
    select
        sample.programme,
        crosswalk.question_id,
        sample.agency,
        sample.is_matched_area,
        programmes.is_national_sample,
        case answers.answer when 'Yes' then true when 'No' then false end as is_sufficient
    from sample
    inner join crosswalk on sample.programme = crosswalk.programme
    inner join programmes on sample.programme = programmes.programme
    left join answers
        on sample.programme = answers.programme
        and sample.case_ref = answers.case_ref
        and crosswalk.question_id = answers.question_id
),

scoped as (
    select *, 'matched areas' as scope from judged where is_matched_area
    union all
    select *, 'national' as scope from judged where is_national_sample
)

select
    question_id,
    programme,
    coalesce(agency, 'All') as responsible_agency,
    scope,
    count(is_sufficient) as n,
    count(*) filter (where is_sufficient) as n_yes
from scoped
group by grouping sets ((question_id, programme, scope, agency), (question_id, programme, scope))
order by all
