-- How this warehouse was built, one row: which key made the case keys, whether
-- it is compared with the bulletin, and the period its sample covers. The CLI
-- prints it after `build`; the report states it.

with

source_files as (
    select * from {{ ref('stg_load__source_files') }}
),

sampled_cases as (
    select * from {{ ref('int_cases_sampled') }}
),

programmes as (
    select * from {{ ref('dim_programme') }}
),

-- each programme in the sample, and whether all its cases come from demo files
sampled_programmes as (
    select
        sampled_cases.programme,
        min(programmes.sort_order) as sort_order,
        bool_and(coalesce(source_files.is_demo, false)) as is_demo
    from sampled_cases
    inner join programmes on sampled_cases.programme = programmes.programme
    left join source_files on sampled_cases.source_file = source_files.source_file
    group by sampled_cases.programme
),

files as (
    select
        count(*) as files_loaded,
        count(*) filter (where is_demo) as demo_files_loaded
    from source_files
),

period as (
    select
        min(fieldwork_month) as fieldwork_from,
        max(fieldwork_month) as fieldwork_to
    from sampled_cases
),

-- in the programmes' order (programmes seed), not by name
programme_lists as (
    select
        string_agg(programme, ', ' order by sort_order) as programmes,
        string_agg(programme, ', ' order by sort_order) filter (where is_demo)
            as demo_programmes
    from sampled_programmes
),

final as (
    select
        current_timestamp::timestamp as built_at,
        pp_key_mode() as key_mode,
        '{{ bulletin_mode_setting() }}' as bulletin_mode_setting,
        {{ is_bulletin_mode('source_files') }} as is_bulletin_mode,
        {{ var('bulletin_scale', 1) | int }} as bulletin_scale,
        files.files_loaded,
        files.demo_files_loaded,
        programme_lists.programmes,
        period.fieldwork_from,
        period.fieldwork_to,
        programme_lists.demo_programmes
    from files
    cross join period
    cross join programme_lists
)

select * from final
