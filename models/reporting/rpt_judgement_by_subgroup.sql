-- Tables 2-8: for each question, the share of cases judged sufficient overall
-- and by subgroup, for each programme and both together, with 95% Wilson
-- intervals. Only Yes and No count in n.

with

judgements as (
    select * from {{ ref('fct_case_judgement') }}
),

cases as (
    select * from {{ ref('dim_case') }}
),

judged_cases as (
    select
        judgements.question_id,
        judgements.is_sufficient,
        cases.*
    from judgements
    inner join cases on judgements.case_key = cases.case_key
),

-- one row per case, question and table row the case is counted in
by_category as (
    select question_id, programme, is_sufficient,
        'all' as variable, 1 as variable_order, 'All cases' as category, 1 as category_order
    from judged_cases
    union all
    select question_id, programme, is_sufficient,
        'gender', 2, gender, case gender when 'Male' then 1 else 2 end
    from judged_cases
    union all
    select question_id, programme, is_sufficient,
        'age_group', 3, age_group,
        case age_group
            when '18-20' then 1 when '21-24' then 2 when '25-29' then 3
            when '30-39' then 4 when '40-49' then 5 else 6
        end
    from judged_cases
    union all
    select question_id, programme, is_sufficient,
        'ethnic_group', 4, ethnic_group, case ethnic_group when 'White' then 1 else 2 end
    from judged_cases
    union all
    select question_id, programme, is_sufficient,
        'supervision_type', 5, supervision_type,
        case supervision_type when 'Community sentence' then 1 else 2 end
    from judged_cases
    union all
    select question_id, programme, is_sufficient,
        'rosh_level', 6, rosh_level,
        case rosh_level when 'Low' then 1 when 'Medium' then 2 else 3 end
    from judged_cases
    union all
    select question_id, programme, is_sufficient,
        'mappa_eligible', 7,
        case mappa_eligible when true then 'Yes' when false then 'No' end,
        case when mappa_eligible then 1 else 2 end
    from judged_cases
),

with_both_programmes as (
    select * from by_category
    union all
    select question_id, 'All' as programme, is_sufficient,
        variable, variable_order, category, category_order
    from by_category
),

counted as (
    select
        question_id,
        variable,
        category,
        programme,
        variable_order,
        category_order,
        count(is_sufficient) as n,
        count(*) filter (where is_sufficient) as n_yes
    from with_both_programmes
    where category is not null  -- unknowns are not a printed category
    group by question_id, variable, category, programme, variable_order, category_order
),

final as (
    select
        question_id,
        variable,
        category,
        programme,
        n,
        n_yes,
        case when n > 0 then 100.0 * n_yes / n end as pct_yes,
        {{ wilson_bound('n_yes', 'n', 'low') }} as ci_low,
        {{ wilson_bound('n_yes', 'n', 'high') }} as ci_high,
        variable_order,
        category_order
    from counted
)

select * from final
order by question_id, variable_order, category_order, programme
