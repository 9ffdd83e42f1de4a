-- Tables 2-8: for each question, the share of cases judged sufficient overall
-- and by subgroup, for each programme (its whole sample, every question it
-- collects) and, for the bulletin's questions, its programmes together (All),
-- with 95% Wilson intervals. Only Yes and No count in n. The bulletin's tables
-- are the rows of its questions and programmes; a programme loaded alone is
-- reported from its own rows.

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

questions as (
    select * from {{ ref('dim_question') }}
),

judged_cases as (
    select
        judgements.question_id,
        judgements.is_sufficient,
        -- the bulletin's view: its programmes and its questions, added up as All
        programmes.in_bulletin and questions.is_in_bulletin as is_in_bulletin_view,
        cases.*
    from judgements
    inner join cases on judgements.case_key = cases.case_key
    inner join programmes on cases.programme = programmes.programme
    inner join questions on judgements.question_id = questions.question_id
),

-- the bulletin's table rows: a variable and its categories, in printed order
table_rows as (
    select * from {{ ref('subgroup_categories') }}
),

subgroup_variables as (
    select distinct variable from table_rows
),

-- each case's category under each variable (unknown is NULL: no table row)
case_categories as (
    select
        judged_cases.question_id,
        judged_cases.programme,
        judged_cases.is_sufficient,
        judged_cases.is_in_bulletin_view,
        subgroup_variables.variable,
        case subgroup_variables.variable
            when 'all' then 'All cases'
            when 'gender' then judged_cases.gender
            when 'age_group' then judged_cases.age_group
            when 'ethnic_group' then judged_cases.ethnic_group
            when 'supervision_type' then judged_cases.supervision_type
            when 'rosh_level' then judged_cases.rosh_level
            when 'mappa_eligible' then
                case judged_cases.mappa_eligible when true then 'Yes' when false then 'No' end
        end as category
    from judged_cases
    cross join subgroup_variables
),

with_both_programmes as (
    select
        question_id,
        programme,
        is_sufficient,
        variable,
        category
    from case_categories
    union all
    select
        question_id,
        'All' as programme,
        is_sufficient,
        variable,
        category
    from case_categories
    where is_in_bulletin_view
),

counted as (
    select
        with_both_programmes.question_id,
        with_both_programmes.variable,
        with_both_programmes.category,
        with_both_programmes.programme,
        table_rows.variable_order,
        table_rows.category_order,
        count(with_both_programmes.is_sufficient) as n,
        count(*) filter (where with_both_programmes.is_sufficient) as n_yes
    from with_both_programmes
    inner join table_rows
        on
            with_both_programmes.variable = table_rows.variable
            and with_both_programmes.category = table_rows.category
    group by
        with_both_programmes.question_id,
        with_both_programmes.variable,
        with_both_programmes.category,
        with_both_programmes.programme,
        table_rows.variable_order,
        table_rows.category_order
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
