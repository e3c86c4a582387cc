-- Handled by a sync run that succeeded (or needing no sync): never picked again.
update raw_plaid.webhook_events
set processed_at = %(processed_at)s
where webhook_event_id = any(%(webhook_event_ids)s) and processed_at is null;
