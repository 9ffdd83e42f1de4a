{#
    Wilson score interval for a proportion, in percent (z = 1.96 for 95%).
    Returns the bound for side = 'low' or 'high'; NULL when n = 0. Clamped to
    0-100: at 0 of n and n of n the formula gives the exact end, but floating
    point can land a hair outside it (99.99999999999999 for 4 of 4), which would
    put the estimate outside its own interval.
    Wilson (1927), "Probable inference, the law of succession, and statistical
    inference", JASA 22(158).
#}
{% macro wilson_bound(n_yes, n, side, z=1.959964) -%}
    {%- set estimate = '(' ~ n_yes ~ ' * 100.0 / ' ~ n ~ ')' -%}
    {%- set bound -%}
        100.0 * (
            (
                ({{ n_yes }} * 1.0 / {{ n }}) + {{ z }} * {{ z }} / (2.0 * {{ n }})
                {{ '-' if side == 'low' else '+' }} {{ z }} * sqrt(
                    ({{ n_yes }} * 1.0 / {{ n }}) * (1 - {{ n_yes }} * 1.0 / {{ n }}) / {{ n }}
                    + {{ z }} * {{ z }} / (4.0 * {{ n }} * {{ n }})
                )
            ) / (1 + {{ z }} * {{ z }} / {{ n }})
        )
    {%- endset -%}
    {%- if side == 'low' %}
    case when {{ n }} > 0 then greatest(0.0, least({{ estimate }}, {{ bound }})) end
    {%- else %}
    case when {{ n }} > 0 then least(100.0, greatest({{ estimate }}, {{ bound }})) end
    {%- endif %}
{%- endmacro %}

{#
    Standard normal upper-tail probability P(Z > |x|) * 2, i.e. a two-sided
    p-value, from the Abramowitz & Stegun 7.1.26 approximation of erf
    (absolute error below 1.5e-7): no statistics extension is needed.
#}
{% macro two_sided_normal_p(x) -%}
    (
        1 - (
            1 - (
                (
                    (
                        (
                            (1.061405429 * (1 / (1 + 0.3275911 * abs({{ x }}) / sqrt(2)))
                            - 1.453152027)
                            * (1 / (1 + 0.3275911 * abs({{ x }}) / sqrt(2)))
                            + 1.421413741
                        ) * (1 / (1 + 0.3275911 * abs({{ x }}) / sqrt(2)))
                        - 0.284496736
                    ) * (1 / (1 + 0.3275911 * abs({{ x }}) / sqrt(2)))
                    + 0.254829592
                ) * (1 / (1 + 0.3275911 * abs({{ x }}) / sqrt(2)))
            ) * exp(-({{ x }}) * ({{ x }}) / 2)
        )
    )
{%- endmacro %}


{#
    Pooled two-proportion z statistic for the change from sample 1 to sample 2
    (yes_2 / n_2 - yes_1 / n_1), as statsmodels' proportions_ztest computes it
    with the pooled standard error sqrt(p (1 - p) (1 / n_1 + 1 / n_2)). NULL when
    either sample is empty or every case agrees (no variance to test against).
#}
{% macro two_proportion_z(yes_1, n_1, yes_2, n_2) -%}
    {%- set pooled -%}
        (({{ yes_1 }} + {{ yes_2 }}) * 1.0 / nullif({{ n_1 }} + {{ n_2 }}, 0))
    {%- endset -%}
    (
        ({{ yes_2 }} * 1.0 / nullif({{ n_2 }}, 0) - {{ yes_1 }} * 1.0 / nullif({{ n_1 }}, 0))
        / nullif(sqrt(
            {{ pooled }} * (1 - {{ pooled }})
            * (1.0 / nullif({{ n_1 }}, 0) + 1.0 / nullif({{ n_2 }}, 0))
        ), 0)
    )
{%- endmacro %}
