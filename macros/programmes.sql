{#
    The programmes dbt builds. Each programme's staging folder ends in the same
    standard shapes (`<prefix>__case_rows`, `<prefix>__judgement_rows`), and the
    programme registers its prefix with a macro named
    `programme_staging__<name>` in macros/programmes/. dbt must know the models
    a model reads when it parses the project, before any seed is read, so this
    one list of model prefixes cannot come from the programmes seed; everything
    else about a programme is seed data.
#}
{% macro programme_staging_prefixes() -%}
    {%- set prefixes = [] -%}
    {%- for name in context | sort if name.startswith('programme_staging__') -%}
        {%- do prefixes.append(context[name]() | trim) -%}
    {%- endfor -%}
    {%- if not prefixes -%}
        {{ exceptions.raise_compiler_error("no programme registered in macros/programmes/") }}
    {%- endif -%}
    {{ return(prefixes) }}
{%- endmacro %}

{# Every programme's rows of one standard shape, in one relation. #}
{% macro union_programme_shapes(shape) -%}
    {%- set selects = [] -%}
    {%- for prefix in programme_staging_prefixes() -%}
        {%- do selects.append('select * from ' ~ ref(prefix ~ '__' ~ shape)) -%}
    {%- endfor -%}
    {{ selects | join('\nunion all by name\n') }}
{%- endmacro %}
