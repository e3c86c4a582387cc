-- Where each opportunity stands: surfaced by the rules (fct_opportunities),
-- then contacted, actioned or dismissed as concierges record it
-- (concierge.opportunity_actions). One row per client and opportunity type that
-- is surfaced now or was ever acted on. surfaced_at is the start of the as-of
-- day, or the first action if one is older (the opportunity was surfaced then).
with

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

actions as (
    select * from {{ ref('stg_concierge__opportunity_actions') }}
),

clients as (
    select * from {{ ref('int_clients__as_of') }}
),

action_times as (
    select
        client_key,
        opportunity_type,
        min(recorded_at) as first_action_at,
        min(recorded_at) filter (where opportunity_action = 'contacted') as contacted_at,
        min(recorded_at) filter (where opportunity_action = 'actioned') as actioned_at,
        min(recorded_at) filter (where opportunity_action = 'dismissed') as dismissed_at,
        (array_agg(opportunity_action order by recorded_at desc, opportunity_action_id desc))[1]
            as latest_action
    from actions
    group by client_key, opportunity_type
),

combined as (
    select
        coalesce(opportunities.client_key, action_times.client_key) as client_key,
        coalesce(opportunities.opportunity_type, action_times.opportunity_type)
            as opportunity_type,
        opportunities.as_of_date,
        action_times.first_action_at,
        action_times.contacted_at,
        action_times.actioned_at,
        action_times.dismissed_at,
        action_times.latest_action,
        opportunities.client_key is not null as is_currently_surfaced
    from opportunities
    full outer join action_times
        on
            opportunities.client_key = action_times.client_key
            and opportunities.opportunity_type = action_times.opportunity_type
),

final as (
    select
        -- ids
        combined.client_key,

        -- attributes
        combined.opportunity_type,
        coalesce(combined.latest_action, 'surfaced') as current_stage,

        -- timestamps
        case
            when combined.as_of_date is null then combined.first_action_at
            else
                least(
                    (combined.as_of_date::timestamp at time zone 'UTC'),
                    combined.first_action_at
                )
        end as surfaced_at,
        combined.contacted_at,
        combined.actioned_at,
        combined.dismissed_at,

        -- flags
        combined.is_currently_surfaced

    from combined
    inner join clients on combined.client_key = clients.client_key
)

select * from final
