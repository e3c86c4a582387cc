{{ config(indexes=[{'columns': ['client_key']}]) }}

-- Indexed for the concierge snapshot (concierge.client_snapshot), which reads one
-- client's rows, instead of scanning every client's rows on each view.

-- Advisors for each client's top three opportunities: the advisor type that
-- handles the opportunity (seed opportunity_advisor_specialties), licensed in
-- the client's state, accepting clients and with room (capacity minus the
-- distinct clients with a scheduled or completed appointment), or already
-- working with the client. Ranked: an advisor the client already met first,
-- then the most spare capacity, then the advisor id; the best three are kept.
with

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

specialties as (
    select * from {{ ref('opportunity_advisor_specialties') }}
),

clients as (
    select * from {{ ref('int_clients__as_of') }}
),

advisors as (
    select * from {{ ref('stg_app__advisors') }}
),

appointments as (
    select * from {{ ref('stg_app__appointments') }}
),

kept_appointments as (
    select
        client_key,
        advisor_id
    from appointments
    where
        not is_deleted
        and appointment_status in ('scheduled', 'completed')
),

advisor_loads as (
    select
        advisors.advisor_id,
        advisors.advisor_type,
        advisors.licensed_state_codes,
        advisors.capacity_clients,
        count(distinct kept_appointments.client_key) as current_client_count
    from advisors
    left join kept_appointments on advisors.advisor_id = kept_appointments.advisor_id
    where not advisors.is_deleted and advisors.is_accepting_clients
    group by
        advisors.advisor_id,
        advisors.advisor_type,
        advisors.licensed_state_codes,
        advisors.capacity_clients
),

top_opportunities as (
    select
        opportunities.client_key,
        opportunities.opportunity_type,
        opportunities.client_opportunity_rank,
        clients.state_code,
        specialties.advisor_type,
        specialties.specialty,
        specialties.match_reason as specialty_reason
    from opportunities
    inner join clients on opportunities.client_key = clients.client_key
    inner join specialties on opportunities.opportunity_type = specialties.opportunity_type
    where opportunities.client_opportunity_rank <= 3
),

candidates as (
    select
        top_opportunities.*,
        advisor_loads.advisor_id,
        advisor_loads.capacity_clients - advisor_loads.current_client_count
            as spare_capacity_clients,
        exists(
            select 1
            from kept_appointments
            where
                kept_appointments.client_key = top_opportunities.client_key
                and kept_appointments.advisor_id = advisor_loads.advisor_id
        ) as has_met_client
    from top_opportunities
    inner join advisor_loads
        on
            top_opportunities.advisor_type = advisor_loads.advisor_type
            and top_opportunities.state_code = any(advisor_loads.licensed_state_codes)
),

ranked as (
    select
        *,
        row_number() over (
            partition by client_key, opportunity_type
            order by has_met_client desc, spare_capacity_clients desc, advisor_id asc
        ) as advisor_rank
    from candidates
    where has_met_client or spare_capacity_clients > 0
),

final as (
    select
        -- ids
        client_key,
        opportunity_type,
        advisor_id,

        -- attributes
        advisor_rank,
        client_opportunity_rank,
        advisor_type,
        specialty,
        specialty_reason
        || format(
            ' This %s advisor is licensed in %s%s.',
            advisor_type,
            state_code,
            case
                when has_met_client then ' and already works with the client'
                else format(' and can take %s more client(s)', spare_capacity_clients)
            end
        ) as match_reason,

        -- amounts
        spare_capacity_clients,

        -- flags
        has_met_client

    from ranked
    where advisor_rank <= 3
)

select * from final
