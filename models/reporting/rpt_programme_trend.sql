-- The trend across programmes: per harmonised question, programme,
-- responsible agency (All, CRC, NPS) and scope, the share judged sufficient
-- with its 95% Wilson interval, how the programme's source compares with its
-- baseline's, and the change from the baseline programme with a pooled
-- two-proportion z test (unadjusted). Scope "matched areas" is every
-- programme's cases in the bulletin's 12 areas; "national" is every case, for
-- the programmes whose sample covers every area (programmes seed).

with

judgements as (
    select * from {{ ref('fct_case_judgement') }}
),

cases as (
    select * from {{ ref('dim_case') }}
),

programmes as (
    select * from {{ ref('dim_programme') }}
),

question_sources as (
    select * from {{ ref('dim_question_source') }}
),

judged as (
    select
        judgements.question_id,
        judgements.is_sufficient,
        cases.programme,
        cases.responsible_agency,
        cases.is_matched_area,
        programmes.national_sample
    from judgements
    inner join cases on judgements.case_key = cases.case_key
    inner join programmes on cases.programme = programmes.programme
),

scoped as (
    select
        *,
        'matched areas' as scope
    from judged
    where is_matched_area
    union all
    select
        *,
        'national' as scope
    from judged
    where national_sample
),

counted as (
    select
        question_id,
        programme,
        coalesce(responsible_agency, 'All') as responsible_agency,
        scope,
        count(is_sufficient) as n,
        count(*) filter (where is_sufficient) as n_yes
    from scoped
    group by grouping sets (
        (question_id, programme, scope, responsible_agency),
        (question_id, programme, scope)
    )
),

rated as (
    select
        counted.*,
        case when counted.n > 0 then 100.0 * counted.n_yes / counted.n end as pct_yes,
        {{ wilson_bound('counted.n_yes', 'counted.n', 'low') }} as ci_low,
        {{ wilson_bound('counted.n_yes', 'counted.n', 'high') }} as ci_high,
        programmes.baseline_programme,
        programmes.sort_order,
        question_sources.comparability
    from counted
    inner join programmes on counted.programme = programmes.programme
    left join question_sources
        on
            counted.programme = question_sources.programme
            and counted.question_id = question_sources.question_id
),

against_baseline as (
    select
        rated.*,
        baseline.pct_yes as baseline_pct_yes,
        rated.pct_yes - baseline.pct_yes as change_pp,
        {{ two_proportion_z('baseline.n_yes', 'baseline.n', 'rated.n_yes', 'rated.n') }}
            as z_statistic
    from rated
    left join rated as baseline
        on
            rated.baseline_programme = baseline.programme
            and rated.question_id = baseline.question_id
            and rated.responsible_agency = baseline.responsible_agency
            and rated.scope = baseline.scope
),

final as (
    select
        question_id,
        programme,
        responsible_agency,
        scope,
        n,
        n_yes,
        pct_yes,
        ci_low,
        ci_high,
        comparability,
        -- a trend uses same and close pairs by default; the grade is always shown
        coalesce(comparability in ('same', 'close'), baseline_programme is null)
            as is_comparable,
        baseline_programme,
        baseline_pct_yes,
        change_pp,
        z_statistic,
        {{ two_sided_normal_p('z_statistic') }} as p_value,
        sort_order
    from against_baseline
)

select * from final
order by question_id, sort_order, scope, responsible_agency
