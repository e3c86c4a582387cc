"""Equity and tax documents: landing area -> encrypted archive -> typed `raw_documents` tables.

`loader.load_landed_documents` is the entry point (the Dagster asset, tests and
benchmarks call it); `parsing.parse_document` types one file without storage;
`archive` holds the encrypted content-addressed archive and the landing area;
`problems` the quarantine reasons. No Dagster import here (DESIGN §2).
"""
