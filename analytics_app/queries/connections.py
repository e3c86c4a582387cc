"""Database connections of the app: one per signed-in user's own Postgres login.

`WDP_APP_WAREHOUSE_URL` (set by `wdp app`, or the deployment's secrets) names the
warehouse without a user; the app adds the signed-in user's login role, and
libpq reads that role's password from the passfile named in the URL. So the
database, not the UI, decides what each person may read (DESIGN §3).

Caching: aggregate (pseudonymous) results are cached per login role; nothing
that holds client PII or that must write an audit row is ever cached.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import pandas as pd
import streamlit as st
from psycopg2 import errors as postgres_errors
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from streamlit.connections import SQLConnection

from analytics_app.auth.user_store import AppUser

WAREHOUSE_URL_VARIABLE = "WDP_APP_WAREHOUSE_URL"


class DataUnavailable(RuntimeError):
    """What a page needs is not there yet; the message says what to do."""


class MissingConnectionSetting(DataUnavailable):
    """The app was started without the warehouse URL."""


class MartNotBuilt(DataUnavailable):
    """A mart the page reads does not exist yet (the pipeline has not run)."""


def warehouse_url_for(base_url: str, login_role: str) -> str:
    """`base_url` with `login_role` as its user (SQLAlchemy URL, psycopg2 driver)."""
    url = make_url(base_url).set(username=login_role, password=None)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def connection_for(user: AppUser) -> SQLConnection:
    base_url = os.environ.get(WAREHOUSE_URL_VARIABLE)
    if not base_url:
        raise MissingConnectionSetting(
            f"{WAREHOUSE_URL_VARIABLE} is not set: start the app with `wdp app` (or `make "
            "demo`), which points it at the warehouse."
        )
    # One connection (pool) per login role: never shared between people.
    return st.connection(
        f"warehouse_{user.login_role}",
        type="sql",
        url=warehouse_url_for(base_url, user.login_role),
        pool_pre_ping=True,
    )


def read_sql_file(name: str) -> str:
    return files("analytics_app").joinpath(f"sql/{name}").read_text()


def run_query(
    user: AppUser, sql_file: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Pseudonymous aggregates: `sql/<sql_file>` as the user's role, cached per role."""
    return _cached_query(user.login_role, user, sql_file, dict(params or {}))


@st.cache_data(ttl=300, show_spinner=False, hash_funcs={AppUser: lambda user: user.login_role})
def _cached_query(
    login_role: str, user: AppUser, sql_file: str, params: dict[str, Any]
) -> pd.DataFrame:
    # login_role is part of the cache key: two people never share a cached result.
    with connection_for(user).session as session:
        try:
            result = session.execute(text(read_sql_file(sql_file)), params)
        except ProgrammingError as error:
            if isinstance(error.orig, postgres_errors.UndefinedTable):
                raise MartNotBuilt(
                    f"{str(error.orig).splitlines()[0]}: run the pipeline (`wdp run`) to build "
                    "the marts."
                ) from None
            raise
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def call_audited(user: AppUser, sql_file: str, params: Mapping[str, Any]) -> list[Any]:
    """Call a concierge function: never cached, committed so its audit row is kept."""
    with connection_for(user).session as session:
        rows = session.execute(text(read_sql_file(sql_file)), dict(params)).fetchall()
        session.commit()
        return list(rows)
