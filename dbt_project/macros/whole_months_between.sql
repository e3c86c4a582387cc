{#- Whole months from start_date to end_date: a month counts once its day of
    the month is reached (2025-01-15 -> 2025-02-14 is 0, -> 2025-02-15 is 1).
    The vesting arithmetic of equity plans (a grant vests monthly on the day
    of its vesting start). -#}
{% macro whole_months_between(start_date, end_date) -%}
    (
        (extract(year from {{ end_date }}) - extract(year from {{ start_date }}))::integer * 12
        + (extract(month from {{ end_date }}) - extract(month from {{ start_date }}))::integer
        - case when extract(day from {{ end_date }}) < extract(day from {{ start_date }}) then 1 else 0 end
    )
{%- endmacro %}
