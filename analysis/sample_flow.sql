-- From rows received to the comparison sample: every raw row accounted for, as in
-- the sample, a duplicate, quarantined with its reason, or excluded by a named rule.
select
    flow,
    step,
    row_count
from {{ ref('rpt_sample_flow') }}
order by programme_order, flow, step_order, step
