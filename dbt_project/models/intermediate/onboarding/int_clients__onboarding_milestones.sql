-- When each client first reached each onboarding step. A step counts from the
-- product event or from the app database row, whichever is earlier: events can
-- be lost or late, rows can be created by staff; either proves the step.
-- Rows deleted later still count (the step happened); `is_deleted` tells
-- whether the client left.

with

clients as (
    select * from {{ ref('stg_app__clients') }}
),

events as (
    select * from {{ ref('stg_events__events') }}
),

plaid_items as (
    select * from {{ ref('stg_app__plaid_items') }}
),

document_uploads as (
    select * from {{ ref('stg_app__document_uploads') }}
),

appointments as (
    select * from {{ ref('stg_app__appointments') }}
),

anonymous_ids as (
    select * from {{ ref('int_anonymous_ids__stitched') }}
),

milestone_events as (
    select
        client_key,
        min(occurred_at) filter (where event_name = 'Account Linked') as account_linked_at,
        min(occurred_at) filter (
            where event_name = 'Document Uploaded'
        ) as document_uploaded_at,
        min(occurred_at) filter (
            where event_name = 'Appointment Booked'
        ) as appointment_booked_at
    from events
    where event_type = 'track' and client_key is not null
    group by client_key
),

first_items as (
    select
        client_key,
        min(linked_at) as account_linked_at
    from plaid_items
    group by client_key
),

first_uploads as (
    select
        client_key,
        min(uploaded_at) as document_uploaded_at
    from document_uploads
    group by client_key
),

first_appointments as (
    select
        client_key,
        min(booked_at) as appointment_booked_at
    from appointments
    group by client_key
),

first_visits as (
    select
        client_key,
        min(first_seen_at) as first_seen_at
    from anonymous_ids
    where client_key is not null
    group by client_key
),

final as (
    select
        -- ids
        clients.client_key,

        -- timestamps (least() skips nulls: the earlier of event and row)
        least(first_visits.first_seen_at, clients.signed_up_at) as first_seen_at,
        clients.signed_up_at,
        least(
            milestone_events.account_linked_at, first_items.account_linked_at
        ) as account_linked_at,
        least(
            milestone_events.document_uploaded_at, first_uploads.document_uploaded_at
        ) as document_uploaded_at,
        least(
            milestone_events.appointment_booked_at, first_appointments.appointment_booked_at
        ) as appointment_booked_at,

        -- flags
        clients.is_deleted

    from clients
    left join milestone_events
        on clients.client_key = milestone_events.client_key
    left join first_items
        on clients.client_key = first_items.client_key
    left join first_uploads
        on clients.client_key = first_uploads.client_key
    left join first_appointments
        on clients.client_key = first_appointments.client_key
    left join first_visits
        on clients.client_key = first_visits.client_key
)

select * from final
