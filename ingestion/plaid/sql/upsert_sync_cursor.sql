-- Saved in the transaction that wrote the sync's data, and only for a final
-- cursor (has_more = false): a crash before commit leaves the old cursor and
-- no data, so the next run fetches the same changes again.
insert into raw_plaid.transactions_sync_cursors (item_id, next_cursor, synced_at, _load_id)
values (%(item_id)s, %(next_cursor)s, %(synced_at)s, %(load_id)s)
on conflict (item_id) do update set
    next_cursor = excluded.next_cursor,
    synced_at = excluded.synced_at,
    _load_id = excluded._load_id
where transactions_sync_cursors.next_cursor is distinct from excluded.next_cursor
