{#
    The bulletin's proxy for the responsible agency (section 2, footnote 6): MAPPA eligible
    or High/Very high RoSH is NPS; every other case, unknowns included, is CRC.
#}
{% macro proxy_agency(mappa_eligible, rosh_level) -%}
    case
        when coalesce({{ mappa_eligible }}, false)
            or coalesce({{ rosh_level }} = 'High/Very high', false)
            then 'NPS'
        else 'CRC'
    end
{%- endmacro %}
