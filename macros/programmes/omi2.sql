{# OMI2's staging (models/staging/omi2/) ends in stg_omi2__case_rows and __judgement_rows. #}
{% macro programme_staging__omi2() %}stg_omi2{% endmacro %}
