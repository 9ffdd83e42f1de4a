-- Personal data stays in raw: no relation outside raw has a column named like
-- a personal field of the extracts (names, CRN, DOB, free text, references).

select
    table_schema,
    table_name,
    column_name
from information_schema.columns
where
    table_catalog = current_database()
    and table_schema <> 'raw'
    and regexp_matches(
        lower(column_name),
        '^(crn|forename|surname|dob|birth_date|date_of_birth|service_user_name|name'
        || '|notes|rationale|inspector_?comments|case_?ref|case_id)$'
    )
