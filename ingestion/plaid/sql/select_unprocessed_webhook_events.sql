-- The oldest webhooks no successful sync has handled yet.
select webhook_event_id, item_id, webhook_type, webhook_code
from raw_plaid.webhook_events
where processed_at is null
order by webhook_event_id
limit %(limit)s;
