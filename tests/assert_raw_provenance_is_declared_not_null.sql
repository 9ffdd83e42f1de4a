-- Every raw table the loader lands (every programme's: those with provenance)
-- declares its four provenance columns NOT NULL, so DuckDB refuses a row without
-- them as it is written; one check here instead of a scan per column and table.
-- Fails with the table and column that could hold a NULL.

with

landed_tables as (
    select distinct table_name
    from information_schema.columns
    where
        table_catalog = current_database()
        and table_schema = 'raw'
        and column_name = '_source_file'
),

provenance (column_name) as (
    values ('_source_file'), ('_source_sha256'), ('_source_row'), ('_loaded_at')
),

declared as (
    select
        table_name,
        column_name,
        is_nullable
    from information_schema.columns
    where table_catalog = current_database() and table_schema = 'raw'
)

select
    landed_tables.table_name,
    provenance.column_name,
    coalesce(declared.is_nullable, 'missing') as is_nullable
from landed_tables
cross join provenance
left join declared
    on
        landed_tables.table_name = declared.table_name
        and provenance.column_name = declared.column_name
where declared.is_nullable is distinct from 'NO'
