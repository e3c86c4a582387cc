"""Dagster definitions (assets, checks, resources, jobs, schedules) and the `wdp` command line."""
