"""Session fixtures: one throwaway embedded PostgreSQL for the whole test session.

Integration and end-to-end tests run against a real server started here with a
private `WDP_HOME` and a free port; it is migrated once and removed at the end.
`WDP_DATABASE_URL` is ignored so a test run never touches a shared server.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from warehouse_ddl import Warehouse, upgrade

_database_numbers = itertools.count(1)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def wdp_home() -> Iterator[Path]:
    """A private WDP_HOME, exported so subprocesses (dbt, wdp, dagster) see it too."""
    home = Path(tempfile.mkdtemp(prefix="wdp-test-"))
    # The server's OS user (as root) must traverse into the home folder.
    home.chmod(0o755)
    saved = {key: os.environ.get(key) for key in ("WDP_HOME", "WDP_PG_PORT", "WDP_DATABASE_URL")}
    os.environ["WDP_HOME"] = str(home)
    os.environ["WDP_PG_PORT"] = str(_free_port())
    os.environ.pop("WDP_DATABASE_URL", None)
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def warehouse(wdp_home: Path) -> Iterator[Warehouse]:
    """The started and migrated embedded warehouse server."""
    server = Warehouse.from_env()
    server.start()
    upgrade(server)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_admin_url(warehouse: Warehouse) -> str:
    """libpq URI of the superuser, database `postgres`."""
    return warehouse.admin_url("postgres")


@pytest.fixture
def app_database_url(warehouse: Warehouse) -> Iterator[str]:
    """A freshly created, empty database (superuser URI); dropped after the test."""
    name = f"app_test_{os.getpid()}_{next(_database_numbers)}"
    admin = psycopg2.connect(warehouse.admin_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    yield warehouse.admin_url(name)
    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
    admin.close()
