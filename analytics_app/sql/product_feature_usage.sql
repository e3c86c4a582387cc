-- Feature usage (events by feature) per day of clients of the chosen cohort, in the range.
-- Each client belongs to one sign-up cohort, so summing clients over cohorts counts no one twice.
select
    usage_date,
    event_type,
    event_name,
    -- bigint, not numeric: the app gets integers, not Decimal objects.
    sum(events_count)::bigint as events_count,
    sum(clients_count)::bigint as clients_count
from marts.fct_feature_usage_daily
where
    usage_date between :start_date and :end_date
    and (
        cast(:cohort_month as date) is null
        or signup_cohort_month = cast(:cohort_month as date)
    )
group by usage_date, event_type, event_name
order by usage_date, event_type, event_name
