-- In bulletin mode the warehouse reproduces every figure the bulletin
-- publishes: the demo, and extracts that claim to be the bulletin's
-- (`--bulletin`). In user mode the reconciliation is empty, so this passes.

select *
from {{ ref('rpt_published_reconciliation') }}
where not is_match
