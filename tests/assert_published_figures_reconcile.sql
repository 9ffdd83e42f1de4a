-- In bulletin mode the warehouse reproduces every figure the bulletin
-- publishes: the demo, and extracts that claim to be the bulletin's
-- (`--bulletin`). On a user's own extracts (`--no-bulletin`, or `auto` with any
-- file that is not the demo's) there is nothing to compare with.

with

build_info as (
    select * from {{ ref('rpt_build_info') }}
),

reconciliation as (
    select * from {{ ref('rpt_published_reconciliation') }}
)

select reconciliation.*
from reconciliation
cross join build_info
where build_info.is_bulletin_mode and not reconciliation.is_match
