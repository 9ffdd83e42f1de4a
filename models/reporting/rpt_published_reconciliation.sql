-- Every published figure beside the warehouse's value: Table 1, every cell of
-- Tables 2-8 (n and % for OMI2, Q&I and all cases), and the sample facts and
-- CRC/NPS statements in the text. A figure matches when the warehouse value,
-- rounded to the printed precision, equals the printed value.
--
-- var bulletin_scale (default 1): the demo extracts written with --scale K hold
-- K times every count and the same percentages, so published counts are
-- multiplied by K before comparing. The CLI sets it from the demo manifest.
--
-- In user mode (reporting.rpt_build_info) the table is empty: a user's own
-- extracts are not the bulletin's, and there is nothing to compare them with.
{% set scale = var('bulletin_scale', 1) | int %}
{#- the bulletin's programmes (programmes seed) and its pair: the later one and its baseline #}
{%- set programmes = bulletin_programmes() %}
{%- set base, later = bulletin_pair(programmes) %}

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

programme_list as (
    select * from {{ ref('dim_programme') }}
),

-- the bulletin's cases: its programmes only
cases as (
    select dim_case.*
    from {{ ref('dim_case') }} as dim_case
    inner join programme_list on dim_case.programme = programme_list.programme
    where programme_list.in_bulletin
),

build_info as (
    select * from {{ ref('rpt_build_info') }}
),

judgements as (
    select * from {{ ref('fct_case_judgement') }}
),

-- Table 1 ------------------------------------------------------------------

area_totals as (
    select
        area,
        {%- for programme in programmes %}
            {{ programme.prefix }}_n,
        {%- endfor %}
        total_n
    from by_area
    union all
    select
        'Total' as area,
        {%- for programme in programmes %}
            sum({{ programme.prefix }}_n) as {{ programme.prefix }}_n,
        {%- endfor %}
        sum(total_n) as total_n
    from by_area
),

areas_compared as (
    select
        published_areas.area,
        {%- for measure in programmes | map(attribute='prefix') | list + ['total'] %}
            published_areas.{{ measure }}_n as published_{{ measure }}_n,
            area_totals.{{ measure }}_n as warehouse_{{ measure }}_n,
        {%- endfor %}
        true as is_compared
    from published_areas
    left join area_totals on published_areas.area = area_totals.area
),

table_1 as (
    {% set measures = [] %}
    {% for programme in programmes %}
        {% do measures.append((programme.prefix ~ '_n', programme.programme ~ ' cases')) %}
    {% endfor %}
    {% do measures.append(('total_n', 'all cases')) %}
    {% for measure, label in measures %}
        select
            'Table 1' as published_in,
            'table1:' || area || ':{{ measure }}' as check_id,
            area || ', {{ label }}' as description,
            published_{{ measure }} * {{ scale }}.0 as published_value,
            warehouse_{{ measure }} * 1.0 as warehouse_value,
            0 as decimals
        from areas_compared
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- Tables 2-8: one published row is three programmes, each an n and a % -----

cells_long as (
    {% set columns = [('All', 'all')] %}
    {% for programme in programmes %}
        {% do columns.append((programme.programme, programme.prefix)) %}
    {% endfor %}
    {% for programme, prefix in columns %}
        select
            table_no,
            question_no,
            variable,
            category,
            {{ sql_string(programme) }} as programme,
            {{ prefix }}_n as published_n,
            {{ prefix }}_pct_yes as published_pct
        from published_cells
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

cells_compared as (
    select
        cells_long.*,
        by_subgroup.n as warehouse_n,
        by_subgroup.pct_yes as warehouse_pct,
        'table' || cells_long.table_no || ':' || cells_long.variable || ':'
        || cells_long.category || ':' || cells_long.programme as cell_id,
        'Q' || cells_long.question_no || ' ' || cells_long.category || ', '
        || cells_long.programme as cell_label
    from cells_long
    left join by_subgroup
        on
            cells_long.question_no = by_subgroup.question_id
            and cells_long.variable = by_subgroup.variable
            and cells_long.category = by_subgroup.category
            and cells_long.programme = by_subgroup.programme
),

tables_2_to_8 as (
    select
        'Table ' || table_no as published_in,
        cell_id || ':n' as check_id,
        cell_label || ', n' as description,
        published_n * {{ scale }}.0 as published_value,
        warehouse_n * 1.0 as warehouse_value,
        0 as decimals
    from cells_compared
    union all
    select
        'Table ' || table_no as published_in,
        cell_id || ':pct' as check_id,
        cell_label || ', % yes' as description,
        published_pct as published_value,
        warehouse_pct as warehouse_value,
        1 as decimals
    from cells_compared
),

-- the text's facts -----------------------------------------------------------

judged as (
    select
        judgements.question_id,
        judgements.is_sufficient,
        cases.*
    from judgements
    inner join cases on judgements.case_key = cases.case_key
),

overall as (
    select * from by_subgroup
    where variable = 'all'
),

-- every count the text could cite, per bulletin programme: the published facts
-- (published_text_facts) pick those it does
case_counts as (
    select
        {%- for programme in programmes %}
            {%- set code = sql_string(programme.programme) %}
            count(*) filter (where programme = {{ code }}) as {{ programme.prefix }}_cases,
            count(*) filter (
                where programme = {{ code }} and responsible_agency = 'NPS'
            ) as {{ programme.prefix }}_nps_cases,
            count(*) filter (
                where programme = {{ code }} and responsible_agency = 'CRC'
            ) as {{ programme.prefix }}_crc_cases,
            count(*) filter (
                where programme = {{ code }} and proxy_agency <> responsible_agency
            ) as {{ programme.prefix }}_proxy_disagreements,
        {%- endfor %}
        count(*) as total_cases,
        count(distinct area) as matched_areas
    from cases
),

-- per question, the % yes of cases with and without the domestic abuse and
-- child protection flags (the text cites question 7's)
flag_rates as (
    select
        question_id,
        100.0 * count(*) filter (where is_sufficient and domestic_abuse_perpetrator)
        / count(is_sufficient) filter (where domestic_abuse_perpetrator) as da_yes_pct,
        100.0 * count(*) filter (where is_sufficient and not domestic_abuse_perpetrator)
        / count(is_sufficient) filter (where not domestic_abuse_perpetrator) as da_no_pct,
        100.0 * count(*) filter (where is_sufficient and child_protection_case)
        / count(is_sufficient) filter (where child_protection_case) as cp_yes_pct,
        100.0 * count(*) filter (where is_sufficient and not child_protection_case)
        / count(is_sufficient) filter (where not child_protection_case) as cp_no_pct
    from judged
    group by question_id
),

fact_values as (
    {% set counts = ['total_cases', 'matched_areas'] %}
    {% for programme in programmes %}
        {% for measure in ['cases', 'nps_cases', 'crc_cases', 'proxy_disagreements'] %}
            {% do counts.append(programme.prefix ~ '_' ~ measure) %}
        {% endfor %}
    {% endfor %}
    {% for fact in counts %}
        select
            '{{ fact }}' as fact_id,
            {{ fact }} * 1.0 as fact_value
        from case_counts
        union all
    {% endfor %}
    {% for fact in ['da_yes_pct', 'da_no_pct', 'cp_yes_pct', 'cp_no_pct'] %}
        select
            'q' || question_id || '_{{ fact }}' as fact_id,
            {{ fact }} as fact_value
        from flag_rates
        union all
    {% endfor %}
    select
        'q' || question_id || '_all_pct' as fact_id,
        pct_yes as fact_value
    from overall
    where programme = 'All'
    union all
    select
        'q' || baseline.question_id || '_change_pp' as fact_id,
        later.pct_yes - baseline.pct_yes as fact_value
    from overall as baseline
    inner join overall as later
        on
            baseline.question_id = later.question_id
            and later.programme = {{ sql_string(later.programme) }}
    where baseline.programme = {{ sql_string(base.programme) }}
    {% for suffix, column in [
        ('change_pp', 'change_pp'),
        (base.prefix ~ '_pct', base.prefix ~ '_pct_yes'),
        (later.prefix ~ '_pct', later.prefix ~ '_pct_yes'),
        (later.prefix ~ '_pct_conclusion', later.prefix ~ '_pct_yes')
    ] %}
        union all
        select
            'q' || question_id || '_' || lower(responsible_agency) || '_{{ suffix }}'
                as fact_id,
            {{ column }} as fact_value
        from agency_change
    {% endfor %}
),

text_facts as (
    select
        'Text, ' || published_facts.passage as published_in,
        'text:' || published_facts.fact_id as check_id,
        published_facts.description,
        published_facts.published_value
        * case when published_facts.is_count then {{ scale }} else 1 end as published_value,
        fact_values.fact_value as warehouse_value,
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
        published_in,
        description,
        published_value,
        warehouse_value,
        decimals,
        coalesce(round(warehouse_value, decimals) = published_value, false) as is_match
    from unioned
    where (select is_bulletin_mode from build_info)
)

select * from final
order by published_in, check_id
