"""Plaid ingestion (DESIGN §5): items from `raw_app.plaid_items`, data into `raw_plaid`.

A library, no Dagster: `api.PlaidClient` (plaid-python, throttled, retried by
`errors` policy with `retry` backoff), `items.read_active_items`, and the
loaders of `loaders` (balances, holdings with tax lots, liabilities,
investment transactions, /transactions/sync, item health).
"""
