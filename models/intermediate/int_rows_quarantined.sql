-- The quarantine: every row that could not be read, with the reason. Never in
-- the sample, never dropped silently. No personal data: provenance and the
-- keyed case_key only, so a data engineer can find the row in raw.

with

case_rows as (
    select * from {{ ref('int_case_rows_screened') }}
),

judgement_rows as (
    select * from {{ ref('int_judgement_rows_screened') }}
),

quarantined as (
    select
        programme,
        'case' as row_kind,
        source_file,
        source_row,
        case_key,
        outcome_reason as reason
    from case_rows
    where outcome = 'quarantined'
    union all
    select
        programme,
        'judgement' as row_kind,
        source_file,
        source_row,
        case_key,
        outcome_reason as reason
    from judgement_rows
    where outcome = 'quarantined'
)

select * from quarantined
