{#
    Partition expressions that group rows by identity columns (a case key, a
    question ref) when every one could be read, and give a row whose identity
    could not be read a group of its own: NULLs would otherwise group together,
    so two unreadable refs of one case would look like copies of one ref.
#}
{% macro readable_or_own_row(relation, columns) -%}
    {%- set unreadable = [] -%}
    {%- for column in columns -%}
        {%- do unreadable.append(relation ~ '.' ~ column ~ ' is null') -%}
    {%- endfor -%}
    {%- for column in columns %}{{ relation }}.{{ column }}, {% endfor -%}
    case
        when {{ unreadable | join(' or ') }}
            then struct_pack(
                file := {{ relation }}.source_file, row := {{ relation }}.source_row
            )
    end
{%- endmacro %}
