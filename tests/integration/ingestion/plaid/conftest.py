"""A small sandbox world, its app database replicated into raw_app, and the offline Plaid.

The world is built once per module (8 clients, or the module's WORLD_CLIENTS: seconds);
`raw_app.plaid_items` is loaded by the real app_db replication, so tokens are encrypted exactly as
in production. Each test starts from empty `raw_plaid` tables.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from ingestion.app_db.replication import replicate_table
from ingestion.app_db.tables import app_table
from ingestion.plaid.api import PlaidClient, PlaidSettings
from ingestion.plaid.items import PlaidItem, read_active_items
from ingestion.plaid.loaders import PlaidLoadContext
from ingestion.plaid.records import RAW_TABLES
from ingestion.plaid.retry import BackoffPolicy, RetryClock
from ingestion.plaid.throttle import EndpointLimit
from privacy import Keyring
from privacy.keyring import ensure_local_keyring, load_keyring
from sandbox import PlaidSandboxServer, build_world
from tests.integration.ingestion.warehouse_state import emptied
from warehouse_ddl import Warehouse

AS_OF = dt.date(2026, 11, 20)
_numbers = itertools.count(1)
PLAID_TABLES = [
    *(table.qualified_name for table in RAW_TABLES),
    "raw_plaid.items",
    "raw_plaid.item_product_health",
    "raw_plaid.transactions_sync_cursors",
    "raw_plaid.webhook_events",
]


@pytest.fixture(scope="module")
def keyring(warehouse: Warehouse) -> Keyring:
    """The session's own key ring: the shared warehouse's other tables were loaded
    with its pepper, and `wdp run` refuses a ring whose pepper does not match them."""
    ensure_local_keyring(warehouse.settings.home)
    return load_keyring(warehouse.settings.home)


@pytest.fixture(scope="module")
def world(
    request: pytest.FixtureRequest,
    warehouse: Warehouse,
    tmp_path_factory: pytest.TempPathFactory,
    keyring: Keyring,
) -> Iterator[Path]:
    """World of 8 clients (a module's WORLD_CLIENTS if set); its app database replicated
    into raw_app.plaid_items."""
    clients = getattr(request.module, "WORLD_CLIENTS", 8)
    name = f"app_plaid_{next(_numbers)}"
    admin = psycopg2.connect(warehouse.admin_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    out = tmp_path_factory.mktemp("plaid_world") / "world"
    build_world(
        out, clients=clients, seed=5, as_of=AS_OF, app_database_url=warehouse.admin_url(name)
    )
    source = psycopg2.connect(warehouse.admin_url(name))
    target = psycopg2.connect(warehouse.role_url("wdp_loader"))
    replicate_table(app_table("plaid_items"), source, target, keyring, full_refresh=True)
    source.close()
    target.close()
    yield out
    owner = psycopg2.connect(warehouse.admin_url("warehouse"))
    with owner, owner.cursor() as cursor:
        cursor.execute("truncate raw_app.plaid_items")
    owner.close()
    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
    admin.close()


@pytest.fixture
def loader(warehouse: Warehouse, world: Path) -> Iterator[Connection]:
    """A wdp_loader connection; every raw_plaid table is emptied before and after the test
    (the session warehouse is shared with the end-to-end tests, which run first)."""
    with emptied(warehouse, ", ".join(PLAID_TABLES)):
        connection = psycopg2.connect(warehouse.role_url("wdp_loader"))
        yield connection
        connection.close()


@pytest.fixture
def items(loader: Connection, keyring: Keyring) -> list[PlaidItem]:
    return read_active_items(loader, keyring)


class RecordedSleep:
    """Backoff sleeps, recorded instead of slept (optionally with a side effect)."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.on_sleep = None

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.on_sleep:
            self.on_sleep()


def plaid_context(
    server: PlaidSandboxServer,
    loader: Connection,
    keyring: Keyring,
    sleep: RecordedSleep | None = None,
    limits: dict[str, EndpointLimit] | None = None,
    max_attempts: int = 8,
) -> PlaidLoadContext:
    settings = PlaidSettings(
        host=server.url,
        client_id="wdp-test",
        secret="wdp-test-secret",
        is_offline_sandbox=True,
        limits=limits or {},
        backoff=BackoffPolicy(
            max_attempts=max_attempts, base_delay_seconds=0.001, max_delay_seconds=0.01
        ),
        request_timeout_seconds=5.0,
    )
    clock = RetryClock(sleep=sleep or RecordedSleep())
    return PlaidLoadContext(
        client=PlaidClient(settings, retry_clock=clock), connection=loader, keyring=keyring
    )


@pytest.fixture
def server(world: Path) -> Iterator[PlaidSandboxServer]:
    with PlaidSandboxServer(world, port=0) as running:
        yield running
