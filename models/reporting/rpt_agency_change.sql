-- Figure 1 and the CRC/NPS statements: for each of the bulletin's questions and
-- each responsible agency, the bulletin's later programme against its baseline
-- (programmes seed: Q&I against OMI2), the change in percentage points and a
-- pooled two-proportion z test of it (unadjusted; the regressions adjust).
-- A change needs both programmes: a question and agency without judgements in
-- one of them (its extracts not loaded) has no row.
{%- set base, later = bulletin_pair() %}

with

judgements as (
    select * from {{ ref('fct_case_judgement') }}
),

cases as (
    select * from {{ ref('dim_case') }}
),

questions as (
    select * from {{ ref('dim_question') }}
),

counted as (
    select
        judgements.question_id,
        cases.responsible_agency,
        count(judgements.is_sufficient) filter (
            where cases.programme = {{ sql_string(base.programme) }}
        ) as {{ base.prefix }}_n,
        count(*) filter (
            where cases.programme = {{ sql_string(base.programme) }} and judgements.is_sufficient
        ) as {{ base.prefix }}_n_yes,
        count(judgements.is_sufficient) filter (
            where cases.programme = {{ sql_string(later.programme) }}
        ) as {{ later.prefix }}_n,
        count(*) filter (
            where cases.programme = {{ sql_string(later.programme) }} and judgements.is_sufficient
        ) as {{ later.prefix }}_n_yes
    from judgements
    inner join cases on judgements.case_key = cases.case_key
    inner join questions on judgements.question_id = questions.question_id
    where questions.is_in_bulletin
    group by judgements.question_id, cases.responsible_agency
),

rates as (
    select
        *,
        100.0 * {{ base.prefix }}_n_yes / nullif({{ base.prefix }}_n, 0)
            as {{ base.prefix }}_pct_yes,
        100.0 * {{ later.prefix }}_n_yes / nullif({{ later.prefix }}_n, 0)
            as {{ later.prefix }}_pct_yes
    from counted
),

tested as (
    select
        *,
        {{ later.prefix }}_pct_yes - {{ base.prefix }}_pct_yes as change_pp,
        {{ two_proportion_z(
            base.prefix ~ '_n_yes', base.prefix ~ '_n',
            later.prefix ~ '_n_yes', later.prefix ~ '_n'
        ) }} as z_statistic
    from rates
),

final as (
    select
        question_id,
        responsible_agency,
        {{ base.prefix }}_n,
        {{ base.prefix }}_n_yes,
        {{ base.prefix }}_pct_yes,
        {{ later.prefix }}_n,
        {{ later.prefix }}_n_yes,
        {{ later.prefix }}_pct_yes,
        change_pp,
        z_statistic,
        {{ two_sided_normal_p('z_statistic') }} as p_value,
        {{ two_sided_normal_p('z_statistic') }} < 0.05 as is_significant_at_05
    from tested
    where {{ base.prefix }}_n > 0 and {{ later.prefix }}_n > 0
)

select * from final
order by question_id, responsible_agency
