-- The warehouse reproduces every figure the bulletin publishes. On by default:
-- the demo and the inspectorate's own extracts must both reproduce the
-- bulletin. Loading other inspections? `--vars '{reconcile_with_bulletin: false}'`.
{{ config(enabled=var('reconcile_with_bulletin', true)) }}

select *
from {{ ref('rpt_published_reconciliation') }}
where not is_match
