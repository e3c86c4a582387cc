-- The last complete /transactions/sync cursor of every item that has one.
select item_id, next_cursor from raw_plaid.transactions_sync_cursors
