-- What lets a rerun ask Plaid only about items with news (ingestion.plaid.loaders,
-- `only_items_with_news`): the day each item's last call of a product was for
-- (the snapshot's day, or Plaid's today for the products that are not
-- snapshots), and the webhooks of an item by time.
-- depends: 0033__client_key_indexes

set local role wdp_owner;

alter table raw_plaid.item_product_health add column if not exists checked_for_day date;

comment on column raw_plaid.item_product_health.checked_for_day is
'The day the last call was for: the as_of_date of a snapshot, Plaid''s today otherwise.';

create index if not exists webhook_events_item_received_idx
on raw_plaid.webhook_events (item_id, received_at);

reset role;
