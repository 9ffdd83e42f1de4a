-- % yes per question and programme, straight from the star schema (README:
-- fct_case_judgement + dim_question). Only Yes and No count, so n is
-- count(is_sufficient). For the bulletin's questions it equals the "All cases"
-- rows of Tables 2-8; the others (8, planning) are beyond the bulletin.
select
    q.question_id,
    q.short_name,
    c.programme,
    count(j.is_sufficient) as n,
    round(100 * avg(j.is_sufficient::int), 1) as pct_yes
from {{ ref('fct_case_judgement') }} as j
inner join {{ ref('dim_case') }} as c on j.case_key = c.case_key
inner join {{ ref('dim_question') }} as q on j.question_id = q.question_id
group by all
order by all
