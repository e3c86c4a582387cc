-- Monthly retention of each sign-up cohort (heat map).
select
    signup_cohort_month,
    months_since_signup,
    cohort_clients,
    active_clients,
    retention_pct
from marts.fct_cohort_retention
order by signup_cohort_month, months_since_signup
