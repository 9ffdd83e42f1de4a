{#
    Pseudonymous keys: HMAC-SHA256 of an extract identifier under the secret in
    PUBLIC_PROTECTION_KEY. On DuckDB the HMAC is the SQL macro pp_hmac_sha256,
    which the project's dbt-duckdb plugin (public_protection.dbt_plugin) creates
    on every connection from the environment, so the secret never appears in
    compiled SQL, logs or target/.
#}
{% macro pseudonymise(expression) -%}
    {{ return(adapter.dispatch('pseudonymise', 'public_protection')(expression)) }}
{%- endmacro %}

{% macro duckdb__pseudonymise(expression) -%}
    pp_hmac_sha256({{ expression }})
{%- endmacro %}

{% macro default__pseudonymise(expression) -%}
    {{ exceptions.raise_compiler_error(
        "pseudonymise(): no keyed-hash implementation for adapter " ~ adapter.type()
    ) }}
{%- endmacro %}
