-- Which variables each forward stepwise model selected, and programme's p-value
-- (README: analysis). Written by `public-protection regress`.
select
    model_id,
    variables_selected,
    programme_p_value
from {{ source('analysis', 'regression_models') }}
order by question_id, sample
