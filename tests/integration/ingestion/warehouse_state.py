"""Loader tests start and end with the tables they load empty.

The session's warehouse is shared: end-to-end tests (which run first) leave a
loaded world behind, so a loader test empties its tables before it starts, not
only after it ends.
"""

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from unittest import mock

import dagster as dg
import psycopg2

from orchestration.cli import dagster_environment
from warehouse_ddl import Warehouse


def _truncate(warehouse: Warehouse, tables: str) -> None:
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    try:
        with admin, admin.cursor() as cursor:
            cursor.execute(f"truncate {tables}")
    finally:
        admin.close()


def forget_check_history(asset_keys: Sequence[dg.AssetKey]) -> None:
    """Wipe these assets' history in the platform's Dagster instance, as an operator does
    in the UI (asset → Wipe materializations) after replacing a table's data on purpose.

    A test that loads a small world into tables an earlier test filled with a big one
    must do this before `wdp run`: the GX row-count floor compares with the last
    *passing* check of the asset, and a 25-client world is a legitimate "drop" of more
    than half the rows of a 200-client one.
    """
    with mock.patch.dict(os.environ, dagster_environment()):
        instance = dg.DagsterInstance.get()
        try:
            instance.wipe_assets(list(asset_keys))
        finally:
            instance.dispose()


@contextmanager
def emptied(warehouse: Warehouse, tables: str) -> Iterator[None]:
    """Empty `tables` (a comma-separated list of our own table names) around a test."""
    _truncate(warehouse, tables)
    try:
        yield
    finally:
        _truncate(warehouse, tables)
