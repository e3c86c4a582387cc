"""Client counts from the marts, for the product pages."""

from __future__ import annotations

import pandas as pd

from analytics_app.queries.connections import run_query


def clients_by_state() -> pd.DataFrame:
    """Active clients per state: columns `state_code`, `client_count`."""
    return run_query("analyst", "clients_by_state.sql")
