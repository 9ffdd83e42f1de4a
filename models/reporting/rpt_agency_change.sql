-- Figure 1 and the CRC/NPS statements: for each question and responsible
-- agency, OMI2 against Q&I, the change in percentage points and a pooled
-- two-proportion z test of it (unadjusted; the regressions adjust).

with

judgements as (
    select * from {{ ref('fct_case_judgement') }}
),

cases as (
    select * from {{ ref('dim_case') }}
),

counted as (
    select
        judgements.question_id,
        cases.responsible_agency,
        count(judgements.is_sufficient) filter (where cases.programme = 'OMI2') as omi2_n,
        count(*) filter (
            where cases.programme = 'OMI2' and judgements.is_sufficient
        ) as omi2_n_yes,
        count(judgements.is_sufficient) filter (where cases.programme = 'Q&I') as qi_n,
        count(*) filter (where cases.programme = 'Q&I' and judgements.is_sufficient)
            as qi_n_yes
    from judgements
    inner join cases on judgements.case_key = cases.case_key
    group by judgements.question_id, cases.responsible_agency
),

rates as (
    select
        *,
        100.0 * omi2_n_yes / nullif(omi2_n, 0) as omi2_pct_yes,
        100.0 * qi_n_yes / nullif(qi_n, 0) as qi_pct_yes
    from counted
),

tested as (
    select
        *,
        qi_pct_yes - omi2_pct_yes as change_pp,
        {{ two_proportion_z('omi2_n_yes', 'omi2_n', 'qi_n_yes', 'qi_n') }} as z_statistic
    from rates
),

final as (
    select
        question_id,
        responsible_agency,
        omi2_n,
        omi2_n_yes,
        omi2_pct_yes,
        qi_n,
        qi_n_yes,
        qi_pct_yes,
        change_pp,
        z_statistic,
        {{ two_sided_normal_p('z_statistic') }} as p_value,
        {{ two_sided_normal_p('z_statistic') }} < 0.05 as is_significant_at_05
    from tested
)

select * from final
order by question_id, responsible_agency
