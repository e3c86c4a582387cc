"""Per-domain Dagster definitions, merged by `orchestration.definitions`."""
