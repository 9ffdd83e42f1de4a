-- Table 1: cases in the comparison sample by area and bulletin programme (a
-- column each: programmes seed, in_bulletin).

with

cases as (
    select * from {{ ref('dim_case') }}
),

programmes as (
    select * from {{ ref('dim_programme') }}
),

bulletin_cases as (
    select cases.*
    from cases
    inner join programmes on cases.programme = programmes.programme
    where programmes.in_bulletin
),

final as (
    select
        area,
        {%- for programme in bulletin_programmes() %}
            count(*) filter (where programme = {{ sql_string(programme.programme) }})
                as {{ programme.prefix }}_n,
        {%- endfor %}
        count(*) as total_n
    from bulletin_cases
    group by area
)

select * from final
order by area
