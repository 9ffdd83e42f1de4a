{#
    The two settings every build states: which key made the case keys, and
    whether the warehouse is compared with the published bulletin.

    var bulletin_mode: 'auto' (default: on exactly when every loaded file is a
    demo file), 'on' (extracts that claim to be the bulletin's: every published
    figure must match) or 'off' (a user's own extracts). The older var
    reconcile_with_bulletin: false still means 'off'.
#}
{% macro bulletin_mode_setting() -%}
    {%- set setting = var('bulletin_mode', 'auto') | string | lower -%}
    {%- if not var('reconcile_with_bulletin', true) -%}
        {%- set setting = 'off' -%}
    {%- endif -%}
    {%- if setting in ('true', 'yes') %}{% set setting = 'on' %}{% endif -%}
    {%- if setting in ('false', 'no') %}{% set setting = 'off' %}{% endif -%}
    {%- if setting not in ('auto', 'on', 'off') -%}
        {{ exceptions.raise_compiler_error(
            "var bulletin_mode must be auto, on or off, not '" ~ setting ~ "'"
        ) }}
    {%- endif -%}
    {{ return(setting) }}
{%- endmacro %}

{#
    SQL for whether this build compares with the bulletin, given the loaded
    files (a relation with is_demo).
#}
{% macro is_bulletin_mode(source_files) -%}
    {%- set setting = bulletin_mode_setting() -%}
    {%- if setting == 'on' -%} true
    {%- elif setting == 'off' -%} false
    {%- else -%}
        (select count(*) > 0 and bool_and(is_demo) from {{ source_files }})
    {%- endif -%}
{%- endmacro %}

{#
    on-run-start: real extracts are never keyed with the public demo key. A
    build over any file that is not a demo file stops here unless
    PUBLIC_PROTECTION_KEY holds a secret (pp_key_mode() comes from the
    project's dbt-duckdb plugin).
#}
{% macro refuse_demo_key_on_user_data() %}
    {% if execute %}
        {% set files = adapter.get_relation(
            database=target.database, schema='raw', identifier='source_files'
        ) %}
        {% if files is not none %}
            {% set mode = run_query('select pp_key_mode()').columns[0].values()[0] %}
            {% set user_files = run_query(
                'select count(*) from ' ~ files ~ ' where not coalesce(is_demo, false)'
            ).columns[0].values()[0] %}
            {% if mode == 'demo' and user_files > 0 %}
                {{ exceptions.raise_compiler_error(
                    user_files ~ " loaded file(s) are not demo extracts, and no secret key "
                    ~ "is set: real extracts are never keyed with the public demo key. "
                    ~ "Set PUBLIC_PROTECTION_KEY to a secret of your own (keep it: the "
                    ~ "same key gives the same case keys on every rebuild) and build again."
                ) }}
            {% endif %}
        {% endif %}
    {% endif %}
{% endmacro %}
