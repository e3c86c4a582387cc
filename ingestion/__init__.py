"""Pure-Python loaders: source -> raw schema. No Dagster here (DESIGN §2).

Each loader takes its source connection or settings and a warehouse connection
and returns a `LoadResult`; Dagster assets in `orchestration/` wrap them.
"""
