-- Every published figure beside the warehouse's value: Table 1, every cell of
-- Tables 2-8 (n and % for OMI2, Q&I and all cases), and the sample facts and
-- CRC/NPS statements in the text. A figure matches when the warehouse value,
-- rounded to the printed precision, equals the printed value.

with

published_areas as (
    select * from {{ ref('published_area_sample') }}
),

published_cells as (
    select * from {{ ref('published_subgroup_tables') }}
),

published_facts as (
    select * from {{ ref('published_text_facts') }}
),

by_area as (
    select * from {{ ref('rpt_sample_by_area') }}
),

by_subgroup as (
    select * from {{ ref('rpt_judgement_by_subgroup') }}
),

agency_change as (
    select * from {{ ref('rpt_agency_change') }}
),

cases as (
    select * from {{ ref('dim_case') }}
),

judgements as (
    select * from {{ ref('fct_case_judgement') }}
),

area_totals as (
    select area, omi2_n, qi_n, total_n from by_area
    union all
    select 'Total', sum(omi2_n), sum(qi_n), sum(total_n) from by_area
),

table_1 as (
    select
        'Table 1' as source,
        'table1:' || published_areas.area || ':' || measure.name as check_id,
        published_areas.area || ', ' || measure.label as description,
        measure.published as published_value,
        measure.warehouse as warehouse_value,
        0 as decimals
    from published_areas
    left join area_totals on published_areas.area = area_totals.area
    cross join lateral (
        select 'omi2_n' as name, 'OMI2 cases' as label,
            published_areas.omi2_n as published, area_totals.omi2_n as warehouse
        union all
        select 'qi_n', 'Q&I cases', published_areas.qi_n, area_totals.qi_n
        union all
        select 'total_n', 'all cases', published_areas.total_n, area_totals.total_n
    ) as measure
),

-- Tables 2-8, one published row -> three programmes x (n, %)
cells_long as (
    {% for programme, prefix in [('All', 'all'), ('OMI2', 'omi2'), ('Q&I', 'qi')] %}
    select
        table_no,
        question_no,
        variable,
        category,
        '{{ programme }}' as programme,
        {{ prefix }}_n as published_n,
        {{ prefix }}_pct_yes as published_pct
    from published_cells
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

tables_2_to_8 as (
    select
        'Table ' || cells_long.table_no as source,
        'table' || cells_long.table_no || ':' || cells_long.variable || ':'
        || cells_long.category || ':' || cells_long.programme || ':' || measure.name
            as check_id,
        'Q' || cells_long.question_no || ' ' || cells_long.category || ', '
        || cells_long.programme || ', ' || measure.label as description,
        measure.published as published_value,
        measure.warehouse as warehouse_value,
        measure.decimals
    from cells_long
    left join by_subgroup
        on cells_long.question_no = by_subgroup.question_id
        and cells_long.variable = by_subgroup.variable
        and cells_long.category = by_subgroup.category
        and cells_long.programme = by_subgroup.programme
    cross join lateral (
        select 'n' as name, 'n' as label, 0 as decimals,
            cells_long.published_n * 1.0 as published, by_subgroup.n * 1.0 as warehouse
        union all
        select 'pct', '% yes', 1, cells_long.published_pct, by_subgroup.pct_yes
    ) as measure
),

judged as (
    select judgements.question_id, judgements.is_sufficient, cases.*
    from judgements
    inner join cases on judgements.case_key = cases.case_key
),

overall as (
    select * from by_subgroup where variable = 'all'
),

fact_values as (
    select 'omi2_cases' as fact_id, count(*) filter (where programme = 'OMI2') * 1.0 as value
    from cases
    union all
    select 'qi_cases', count(*) filter (where programme = 'Q&I') from cases
    union all
    select 'total_cases', count(*) from cases
    union all
    select 'matched_areas', count(distinct area) from cases
    union all
    select 'omi2_nps_cases',
        count(*) filter (where programme = 'OMI2' and responsible_agency = 'NPS')
    from cases
    union all
    select 'qi_nps_cases',
        count(*) filter (where programme = 'Q&I' and responsible_agency = 'NPS')
    from cases
    union all
    select 'omi2_crc_cases',
        count(*) filter (where programme = 'OMI2' and responsible_agency = 'CRC')
    from cases
    union all
    select 'qi_crc_cases',
        count(*) filter (where programme = 'Q&I' and responsible_agency = 'CRC')
    from cases
    union all
    select 'qi_proxy_disagreements',
        count(*) filter (where programme = 'Q&I' and proxy_agency <> responsible_agency)
    from cases
    union all
    select 'q' || question_id || '_all_pct', pct_yes
    from overall where programme = 'All'
    union all
    select 'q' || omi2.question_id || '_change_pp', qi.pct_yes - omi2.pct_yes
    from overall as omi2
    inner join overall as qi
        on omi2.question_id = qi.question_id and qi.programme = 'Q&I'
    where omi2.programme = 'OMI2'
    union all
    select 'q' || question_id || '_' || lower(responsible_agency) || '_change_pp', change_pp
    from agency_change
    union all
    select 'q' || question_id || '_' || lower(responsible_agency) || '_omi2_pct', omi2_pct_yes
    from agency_change
    union all
    select 'q' || question_id || '_' || lower(responsible_agency) || '_qi_pct', qi_pct_yes
    from agency_change
    union all
    select 'q' || question_id || '_' || lower(responsible_agency) || '_qi_pct_conclusion',
        qi_pct_yes
    from agency_change
    union all
    select 'q7_da_yes_pct', 100.0 * count(*) filter (where is_sufficient)
        / count(is_sufficient)
    from judged where question_id = 7 and domestic_abuse_perpetrator
    union all
    select 'q7_da_no_pct', 100.0 * count(*) filter (where is_sufficient)
        / count(is_sufficient)
    from judged where question_id = 7 and not domestic_abuse_perpetrator
    union all
    select 'q7_cp_yes_pct', 100.0 * count(*) filter (where is_sufficient)
        / count(is_sufficient)
    from judged where question_id = 7 and child_protection_case
    union all
    select 'q7_cp_no_pct', 100.0 * count(*) filter (where is_sufficient)
        / count(is_sufficient)
    from judged where question_id = 7 and not child_protection_case
),

text_facts as (
    select
        'Text ' || published_facts.source_lines as source,
        'text:' || published_facts.fact_id as check_id,
        published_facts.description,
        published_facts.published_value * 1.0 as published_value,
        fact_values.value as warehouse_value,
        published_facts.decimals
    from published_facts
    left join fact_values on published_facts.fact_id = fact_values.fact_id
),

unioned as (
    select * from table_1
    union all
    select * from tables_2_to_8
    union all
    select * from text_facts
),

final as (
    select
        check_id,
        source,
        description,
        published_value,
        warehouse_value,
        decimals,
        coalesce(round(warehouse_value, decimals) = published_value, false) as is_match
    from unioned
)

select * from final
order by source, check_id
