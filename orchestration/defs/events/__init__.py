"""Assets that load the product's analytics events into `raw_events`."""
