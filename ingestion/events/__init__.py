"""Loaders of product analytics events (Segment-style JSONL files) into `raw_events`."""
