-- Daily use of the app (page views and tracked actions) by clients in the range.
select
    activity.activity_date,
    count(distinct activity.client_key) as active_clients,
    -- bigint, not numeric: Decimal objects would make the chart read them as categories.
    sum(activity.page_views_count)::bigint as page_views,
    sum(activity.track_events_count)::bigint as tracked_actions
from marts.fct_client_daily_activity as activity
inner join marts.dim_client_segments as segments
    on activity.client_key = segments.client_key
where
    activity.activity_date between :start_date and :end_date
    and (
        cast(:cohort_month as date) is null
        or segments.signup_cohort_month = cast(:cohort_month as date)
    )
group by activity.activity_date
order by activity.activity_date
