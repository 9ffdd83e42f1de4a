{# PI18's staging (models/staging/pi18/) ends in stg_pi18__case_rows and __judgement_rows. #}
{% macro programme_staging__pi18() %}stg_pi18{% endmacro %}
