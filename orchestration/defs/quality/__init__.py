"""Data-quality gates: Great Expectations 1.x suites (YAML) run as Dagster asset checks."""
