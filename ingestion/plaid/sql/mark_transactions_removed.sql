-- Removals reported by /transactions/sync: the row is kept and stamped. Its
-- fingerprint is reset so that, should Plaid add the id again, the merge
-- rewrites the row (and clears the stamp) instead of seeing it unchanged.
update raw_plaid.transactions
set
    _removed_in_source_at = %(removed_at)s,
    _row_sha256 = 'removed',
    _load_id = %(load_id)s,
    _loaded_at = %(removed_at)s
where transaction_id = any(%(transaction_ids)s)
    and _removed_in_source_at is null
