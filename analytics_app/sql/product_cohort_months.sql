-- Sign-up cohort months that have clients (for the cohort filter).
select distinct cohort_start_date as cohort_month
from marts.fct_onboarding_funnel
where cohort_period = 'month'
order by cohort_month
