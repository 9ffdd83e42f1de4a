{# Q&I's staging (models/staging/qi/) ends in stg_qi__case_rows and __judgement_rows. #}
{% macro programme_staging__qi() %}stg_qi{% endmacro %}
