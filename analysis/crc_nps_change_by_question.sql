-- Figure 1: the change from OMI2 to Q&I per question, CRC and NPS side by side,
-- with whether each change is significant at 5% (two-proportion z test).
with

crc as (
    select * from {{ ref('rpt_agency_change') }}
    where responsible_agency = 'CRC'
),

nps as (
    select * from {{ ref('rpt_agency_change') }}
    where responsible_agency = 'NPS'
)

select
    question.question_id,
    question.short_name,
    round(crc.change_pp, 1) as crc_change_pp,
    crc.is_significant_at_05 as crc_significant,
    round(nps.change_pp, 1) as nps_change_pp,
    nps.is_significant_at_05 as nps_significant
from {{ ref('dim_question') }} as question
inner join crc on question.question_id = crc.question_id
inner join nps on question.question_id = nps.question_id
order by question.question_id
