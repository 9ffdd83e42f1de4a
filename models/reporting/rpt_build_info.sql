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

files as (
    select
        count(*) as files_loaded,
        count(*) filter (where is_demo) as demo_files_loaded
    from source_files
),

period as (
    select
        min(fieldwork_month) as fieldwork_from,
        max(fieldwork_month) as fieldwork_to,
        string_agg(distinct programme, ', ' order by programme) as programmes
    from sampled_cases
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
        period.programmes,
        period.fieldwork_from,
        period.fieldwork_to
    from files
    cross join period
)

select * from final
