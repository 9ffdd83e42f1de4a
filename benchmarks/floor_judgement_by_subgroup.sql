-- The floor: reporting.rpt_judgement_by_subgroup computed straight from the raw
-- tables in one query, with the same rules (decoding, quarantine, duplicates, the
-- sample rules, the crosswalk) and the same result, but no layers, no
-- pseudonymisation, no tests and no dbt. The lookups are read from the seed CSVs
-- (run from the repository root). benchmarks/benchmark.py times it and checks
-- that its result equals the dbt model's.

with

codes as (
    select * from read_csv('seeds/code_lists.csv', all_varchar = true)
),

trusts as (
    select * from read_csv('seeds/omi2_trusts.csv', all_varchar = true)
),

inspections as (
    select * from read_csv('seeds/qi_inspections.csv', all_varchar = true)
),

-- the bulletin's questions (1-7), where Q&I collects each
crosswalk as (
    select question_sources.question_id, question_sources.source_ref as qi_source
    from read_csv('seeds/question_sources.csv', all_varchar = true) as question_sources
    inner join read_csv('seeds/questions.csv', all_varchar = true) as questions
        on question_sources.question_id = questions.question_id
    where question_sources.programme = 'Q&I' and questions.bulletin_table_no is not null
),

-- OMI2: one row per row received, codes normalised as the spec says.
omi2 as (
    select
        nullif(trim(caseref), '') as case_ref,
        hash(to_json(struct_pack(*columns(* exclude (
            _source_file, _source_sha256, _source_row, _loaded_at
        ))))) as fingerprint,
        _source_file as source_file,
        _source_row as source_row,
        nullif(trim(trust), '') as trust_name,
        nullif(trim(sentencedate), '') as sentence_text,
        try_strptime(nullif(trim(sentencedate), ''), '%d/%m/%Y')::date as sentence_date,
        nullif(trim(dob), '') as dob_text,
        try_strptime(nullif(trim(dob), ''), '%d/%m/%Y')::date as dob,
        nullif(trim(inspectionmonth), '') as month_text,
        try_strptime('01/' || nullif(trim(inspectionmonth), ''), '%d/%m/%Y') as month,
        {
            'sex': nullif(lower(trim(sex)), ''),
            'ethnicity': nullif(lower(trim(ethniccode)), ''),
            'sentence_type': nullif(lower(trim(sentencetype)), ''),
            'rosh': nullif(lower(trim(rosh)), ''),
            'mappa': nullif(lower(trim(mappacategory)), ''),
            'mappa_level': nullif(lower(trim(mappalevel)), ''),
            'offence': nullif(lower(trim(offencegroup)), ''),
            'flag_da': nullif(lower(trim(daperpetrator)), ''),
            'flag_iom': nullif(lower(trim(iom)), ''),
            'flag_cp': nullif(lower(trim(childprotection)), '')
        } as coded,
        [
            nullif(lower(trim(rh05)), ''), nullif(lower(trim(rh08)), ''),
            nullif(lower(trim(rh09)), ''), nullif(lower(trim(rh10)), ''),
            nullif(lower(trim(rv03)), ''), nullif(lower(trim(rv04)), ''),
            nullif(lower(trim(dl12)), '')
        ] as answers
    from raw.omi2_cases
),

-- Every coded value of every OMI2 row, to find codes outside their lists.
omi2_codes as (
    select source_file, source_row, unnest(map_entries(map {
        'sex': coded.sex, 'ethnicity': coded.ethnicity,
        'sentence_type': coded.sentence_type, 'rosh': coded.rosh,
        'mappa': coded.mappa, 'mappa_level': coded.mappa_level,
        'offence': coded.offence, 'flag_da': coded.flag_da,
        'flag_iom': coded.flag_iom, 'flag_cp': coded.flag_cp,
        'a1': answers[1], 'a2': answers[2], 'a3': answers[3], 'a4': answers[4],
        'a5': answers[5], 'a6': answers[6], 'a7': answers[7]
    })) as entry
    from omi2
),

omi2_unknown as (
    select distinct source_file, source_row
    from omi2_codes
    left join codes
        on codes.programme = 'OMI2'
        and codes.code = entry.value
        and codes.code_list = case
            when entry.key like 'flag%' then 'flag'
            when entry.key like 'a_' then 'answer'
            else entry.key
        end
    where entry.value is not null and codes.code is null
),

omi2_decoded as (
    select
        'OMI2' as programme,
        omi2.case_ref,
        omi2.fingerprint,
        trusts.area,
        trusts.area is not null as is_matched,
        omi2.coded.sentence_type = 'cust' as is_custody,
        false as is_superseded,
        sex.harmonised as gender,
        date_sub('year', omi2.dob, omi2.sentence_date) as age,
        eth.harmonised as ethnic_group,
        st.harmonised as supervision_type,
        rosh.harmonised as rosh_level,
        mappa.harmonised as mappa_eligible,
        (
            omi2.case_ref is null or omi2.sentence_date is null or omi2.month is null
            or (omi2.dob_text is not null and omi2.dob is null)
            or trusts.trust_name is null or unknown.source_row is not null
            or coalesce(omi2.dob > omi2.sentence_date, false)
            or coalesce(date_sub('year', omi2.dob, omi2.sentence_date) < 18, false)
        ) as is_unreadable,
        omi2.answers
    from omi2
    left join trusts on omi2.trust_name = trusts.trust_name
    left join omi2_unknown as unknown
        on omi2.source_file = unknown.source_file and omi2.source_row = unknown.source_row
    left join codes as sex
        on sex.programme = 'OMI2' and sex.code_list = 'sex' and sex.code = omi2.coded.sex
    left join codes as eth
        on eth.programme = 'OMI2' and eth.code_list = 'ethnicity'
        and eth.code = omi2.coded.ethnicity
    left join codes as st
        on st.programme = 'OMI2' and st.code_list = 'sentence_type'
        and st.code = omi2.coded.sentence_type
    left join codes as rosh
        on rosh.programme = 'OMI2' and rosh.code_list = 'rosh' and rosh.code = omi2.coded.rosh
    left join codes as mappa
        on mappa.programme = 'OMI2' and mappa.code_list = 'mappa'
        and mappa.code = omi2.coded.mappa
),

-- Q&I cases.
qi as (
    select
        nullif(trim("Case ID"), '') as case_ref,
        hash(to_json(struct_pack(*columns(* exclude (
            _source_file, _source_sha256, _source_row, _loaded_at
        ))))) as fingerprint,
        upper(nullif(trim("Inspection ID"), '')) as inspection_id,
        nullif(trim(age), '') as age_text,
        try_cast(nullif(trim(age), '') as integer) as age,
        {
            'provider': nullif(lower(trim(provider)), ''),
            'sex': nullif(lower(trim(gender)), ''),
            'ethnicity': nullif(lower(trim(ethnicity)), ''),
            'sentence_type': nullif(lower(trim("Sentence type")), ''),
            'rosh': nullif(lower(trim(rosh)), ''),
            'mappa': nullif(lower(trim(mappa)), ''),
            'offence': nullif(lower(trim("Offence category")), ''),
            'flag_da': nullif(lower(trim("DA perpetrator")), ''),
            'flag_iom': nullif(lower(trim(iom)), ''),
            'flag_cp': nullif(lower(trim("Child protection")), '')
        } as coded,
        _source_file as source_file,
        _source_row as source_row
    from raw.qi_cases
),

qi_codes as (
    select source_file, source_row, unnest(map_entries(map {
        'provider': coded.provider, 'sex': coded.sex, 'ethnicity': coded.ethnicity,
        'sentence_type': coded.sentence_type, 'rosh': coded.rosh,
        'mappa': coded.mappa, 'offence': coded.offence, 'flag_da': coded.flag_da,
        'flag_iom': coded.flag_iom, 'flag_cp': coded.flag_cp
    })) as entry
    from qi
),

qi_unknown as (
    select distinct source_file, source_row
    from qi_codes
    left join codes
        on codes.programme = 'Q&I'
        and codes.code = entry.value
        and codes.code_list = case when entry.key like 'flag%' then 'flag' else entry.key end
    where entry.value is not null and codes.code is null
),

qi_decoded as (
    select
        'Q&I' as programme,
        qi.case_ref,
        qi.fingerprint,
        inspections.pcc_area as area,
        coalesce(inspections.is_matched_area = 'true', false) as is_matched,
        false as is_custody,
        coalesce(inspections.is_superseded = 'true', false) as is_superseded,
        sex.harmonised as gender,
        qi.age,
        eth.harmonised as ethnic_group,
        st.harmonised as supervision_type,
        rosh.harmonised as rosh_level,
        mappa.harmonised as mappa_eligible,
        (
            qi.case_ref is null or (qi.age_text is not null and qi.age is null)
            or inspections.inspection_id is null or qi.coded.provider is null
            or qi.coded.sentence_type is null or unknown.source_row is not null
            or coalesce(qi.age > 110 or qi.age < 18, false)
        ) as is_unreadable,
        cast(null as varchar[]) as answers
    from qi
    left join inspections on qi.inspection_id = inspections.inspection_id
    left join qi_unknown as unknown
        on qi.source_file = unknown.source_file and qi.source_row = unknown.source_row
    left join codes as sex
        on sex.programme = 'Q&I' and sex.code_list = 'sex' and sex.code = qi.coded.sex
    left join codes as eth
        on eth.programme = 'Q&I' and eth.code_list = 'ethnicity'
        and eth.code = qi.coded.ethnicity
    left join codes as st
        on st.programme = 'Q&I' and st.code_list = 'sentence_type'
        and st.code = qi.coded.sentence_type
    left join codes as rosh
        on rosh.programme = 'Q&I' and rosh.code_list = 'rosh' and rosh.code = qi.coded.rosh
    left join codes as mappa
        on mappa.programme = 'Q&I' and mappa.code_list = 'mappa'
        and mappa.code = qi.coded.mappa
),

-- The sample: first copy of identical rows, readable, one version per case,
-- matched area, not custody, not a superseded inspection.
case_rows as (
    select
        *,
        row_number() over (
            partition by programme, case_ref, fingerprint order by fingerprint
        ) as copy_number,
        count(distinct fingerprint) over (partition by programme, case_ref) as versions
    from (select * from omi2_decoded union all select * from qi_decoded)
),

sample as (
    select
        programme,
        case_ref,
        gender,
        case
            when age is null or age < 18 then null
            when age <= 20 then '18-20' when age <= 24 then '21-24'
            when age <= 29 then '25-29' when age <= 39 then '30-39'
            when age <= 49 then '40-49' else '50+'
        end as age_group,
        ethnic_group,
        supervision_type,
        rosh_level,
        mappa_eligible,
        answers
    from case_rows
    where copy_number = 1 and not is_unreadable and versions = 1
        and is_matched and not is_custody and not is_superseded
),

-- Answers: OMI2 from the row's seven columns, Q&I from the judgements sheet.
omi2_answers as (
    select
        sample.case_ref,
        'OMI2' as programme,
        question.question_id::integer as question_id,
        codes.harmonised as answer
    from sample
    cross join (select unnest(range(1, 8)) as question_id) as question
    left join codes
        on codes.programme = 'OMI2' and codes.code_list = 'answer'
        and codes.code = sample.answers[question.question_id]
    where sample.programme = 'OMI2'
),

qi_judgements as (
    select
        nullif(trim("Case ID"), '') as case_ref,
        nullif(lower(trim("Question ref")), '') as question_ref,
        nullif(lower(trim(answer)), '') as answer_code,
        _source_file as source_file,
        _source_row as source_row
    from raw.qi_judgements
),

qi_judgements_decoded as (
    select
        qi_judgements.*,
        codes.harmonised as answer,
        qi_judgements.answer_code is not null and codes.code is null as is_unknown,
        row_number() over (
            partition by qi_judgements.case_ref, question_ref, codes.harmonised
            order by source_file, source_row
        ) as copy_number,
        count(distinct coalesce(codes.harmonised, '')) over (
            partition by qi_judgements.case_ref, question_ref
        ) as versions
    from qi_judgements
    left join codes
        on codes.programme = 'Q&I' and codes.code_list = 'answer'
        and codes.code = qi_judgements.answer_code
),

qi_answers as (
    select
        judged.case_ref,
        'Q&I' as programme,
        crosswalk.question_id::integer as question_id,
        judged.answer
    from qi_judgements_decoded as judged
    inner join crosswalk on judged.question_ref = crosswalk.qi_source
    inner join sample on sample.programme = 'Q&I' and sample.case_ref = judged.case_ref
    where judged.copy_number = 1 and not judged.is_unknown and judged.versions = 1
        and judged.case_ref is not null and judged.question_ref is not null
),

answers as (
    select * from omi2_answers
    union all
    select * from qi_answers
),

judged as (
    select
        sample.*,
        question.question_id,
        case answers.answer when 'Yes' then true when 'No' then false end as is_sufficient
    from sample
    cross join (select unnest(range(1, 8))::integer as question_id) as question
    left join answers
        on sample.programme = answers.programme
        and sample.case_ref = answers.case_ref
        and question.question_id = answers.question_id
),

-- One row per case, question and table row (All cases and the six variables).
categorised as (
    select question_id, programme, is_sufficient, 'all' as variable, 'All cases' as category
    from judged
    union all select question_id, programme, is_sufficient, 'gender', gender from judged
    union all select question_id, programme, is_sufficient, 'age_group', age_group from judged
    union all select question_id, programme, is_sufficient, 'ethnic_group', ethnic_group
    from judged
    union all select question_id, programme, is_sufficient, 'supervision_type', supervision_type
    from judged
    union all select question_id, programme, is_sufficient, 'rosh_level', rosh_level from judged
    union all select question_id, programme, is_sufficient, 'mappa_eligible', mappa_eligible
    from judged
),

counted as (
    select
        question_id,
        variable,
        category,
        coalesce(programme, 'All') as programme,
        count(is_sufficient) as n,
        count(*) filter (where is_sufficient) as n_yes
    from categorised
    where category is not null
    group by grouping sets ((question_id, variable, category, programme),
                            (question_id, variable, category))
)

select
    question_id,
    variable,
    category,
    programme,
    n,
    n_yes,
    100.0 * n_yes / nullif(n, 0) as pct_yes,
    100.0 * (
        n_yes / n + 1.959964 ^ 2 / (2 * n)
        - 1.959964 * sqrt(n_yes / n * (1 - n_yes / n) / n + 1.959964 ^ 2 / (4 * n * n))
    ) / (1 + 1.959964 ^ 2 / n) as ci_low,
    100.0 * (
        n_yes / n + 1.959964 ^ 2 / (2 * n)
        + 1.959964 * sqrt(n_yes / n * (1 - n_yes / n) / n + 1.959964 ^ 2 / (4 * n * n))
    ) / (1 + 1.959964 ^ 2 / n) as ci_high
from counted
order by question_id, variable, category, programme
