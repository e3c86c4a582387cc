"""Loader tests start and end with the tables they load empty.

The session's warehouse is shared: end-to-end tests (which run first) leave a
loaded world behind, so a loader test empties its tables before it starts, not
only after it ends.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2

from warehouse_ddl import Warehouse


def _truncate(warehouse: Warehouse, tables: str) -> None:
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    try:
        with admin, admin.cursor() as cursor:
            cursor.execute(f"truncate {tables}")
    finally:
        admin.close()


@contextmanager
def emptied(warehouse: Warehouse, tables: str) -> Iterator[None]:
    """Empty `tables` (a comma-separated list of our own table names) around a test."""
    _truncate(warehouse, tables)
    try:
        yield
    finally:
        _truncate(warehouse, tables)
