"""Client counts from the marts, for the analysts' pages."""

from __future__ import annotations

import pandas as pd

from analytics_app.auth.user_store import AppUser
from analytics_app.queries.connections import run_query


def clients_by_state(user: AppUser) -> pd.DataFrame:
    """Active clients per state: columns `state_code`, `client_count`."""
    return run_query(user, "clients_by_state.sql")
