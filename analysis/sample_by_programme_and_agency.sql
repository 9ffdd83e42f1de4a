-- The comparison sample by programme and responsible agency (README: dim_case).
-- On the demo: OMI2 486 NPS / 1,329 CRC, Q&I 383 NPS / 651 CRC.
select
    programme,
    responsible_agency,
    count(*) as cases
from {{ ref('dim_case') }}
group by all
order by all
