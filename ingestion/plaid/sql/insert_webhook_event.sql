-- One verified webhook; a re-delivery of the same body is ignored.
insert into raw_plaid.webhook_events (
    item_id, webhook_type, webhook_code, error_code, received_at, payload, request_body_sha256
)
values (
    %(item_id)s,
    %(webhook_type)s,
    %(webhook_code)s,
    %(error_code)s,
    %(received_at)s,
    %(payload)s,
    %(request_body_sha256)s
)
on conflict (request_body_sha256) do nothing
returning webhook_event_id;
