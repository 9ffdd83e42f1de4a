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
    Two-sided standard normal p-value, 2 P(Z > |x|) = erfc(|x| / sqrt 2), from
    the Chebyshev approximation of erfc in Numerical Recipes (erfcc; relative
    error below 1.2e-7 everywhere): no statistics extension is needed, and a
    very small p-value keeps its digits instead of cancelling to 0 (it is 0
    only where it is below the smallest double, |x| above about 38).
#}
{% macro two_sided_normal_p(x) -%}
    {%- set t -%} (1 / (1 + 0.5 * abs({{ x }}) / sqrt(2))) {%- endset -%}
    (
        {{ t }} * exp(
            -(({{ x }}) * ({{ x }}) / 2) - 1.26551223 + {{ t }} * (1.00002368
            + {{ t }} * (0.37409196 + {{ t }} * (0.09678418 + {{ t }} * (-0.18628806
            + {{ t }} * (0.27886807 + {{ t }} * (-1.13520398 + {{ t }} * (1.48851587
            + {{ t }} * (-0.82215223 + {{ t }} * 0.17087277))))))))
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
