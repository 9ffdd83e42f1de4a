-- The files in raw now, and whether each is the demo generator's.

with

source as (
    select * from {{ source('load', 'source_files') }}
),

renamed as (
    select
        file as source_file,
        file_kind,
        rows as row_count,
        loaded_at,
        coalesce(is_demo, false) as is_demo
    from source
)

select * from renamed
