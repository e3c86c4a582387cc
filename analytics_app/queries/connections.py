"""Database connections of the app, one per Postgres role.

The URL of each role comes from the environment at run time (set by `wdp app`
or the deployment's secrets); the database, not the UI, decides what each role
may read. Connections and caches are keyed by role so nothing is shared across
roles.
"""

from __future__ import annotations

import os
from importlib.resources import files

import pandas as pd
import streamlit as st
from streamlit.connections import SQLConnection

ROLE_URL_VARIABLES = {"analyst": "WDP_ANALYST_DATABASE_URL"}


class MissingConnectionSetting(RuntimeError):
    """The app was started without the database URL of a role."""


def connection_for(role: str) -> SQLConnection:
    variable = ROLE_URL_VARIABLES[role]
    url = os.environ.get(variable)
    if not url:
        raise MissingConnectionSetting(
            f"{variable} is not set: start the app with `wdp app` (or `make demo`), which "
            f"connects it to the warehouse as the {role} role."
        )
    return st.connection(f"warehouse_{role}", type="sql", url=url)


def read_sql_file(name: str) -> str:
    return files("analytics_app").joinpath(f"sql/{name}").read_text()


def run_query(role: str, sql_file: str, ttl_s: int = 300) -> pd.DataFrame:
    """Run `sql/<sql_file>` as `role`; results cached per role and query for `ttl_s`."""
    return connection_for(role).query(read_sql_file(sql_file), ttl=ttl_s)
