-- Every programme's case rows in one shape, before any rule is applied: the
-- standard shape each programme's staging ends in (macros/programmes.sql).

with

unioned as (
    {{ union_programme_shapes('case_rows') }}
)

select * from unioned
