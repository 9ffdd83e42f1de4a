-- Every programme's judgement rows in one shape, before any rule is applied:
-- the standard shape each programme's staging ends in (macros/programmes.sql).

with

unioned as (
    {{ union_programme_shapes('judgement_rows') }}
)

select * from unioned
