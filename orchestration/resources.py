"""Dagster resources: the warehouse per role, the key ring, the app source database, events, Plaid.

All settings are resolved when a run uses the resource, never at import
(STYLE habit 2): the same code serves the embedded server, CI and production.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import dagster as dg
import psycopg2
from psycopg2.extensions import connection as Connection

from privacy import Keyring, load_keyring
from privacy.verification import verify_keyring_matches_warehouse
from warehouse_ddl import Warehouse

if TYPE_CHECKING:
    from ingestion.plaid.api import PlaidClient


class WarehouseResource(dg.ConfigurableResource):
    """Connections to the warehouse server as one of the least-privilege roles."""

    def server(self) -> Warehouse:
        return Warehouse.from_env()

    def connect(self, role: str, database: str = "warehouse") -> Connection:
        return psycopg2.connect(
            self.server().role_url(role, database),
            application_name=f"wdp-dagster-{role}",
        )

    def sqlalchemy_url(self, role: str, database: str = "warehouse") -> str:
        return (
            self.server()
            .role_url(role, database)
            .replace("postgresql://", "postgresql+psycopg2://", 1)
        )


class KeyringResource(dg.ConfigurableResource):
    """The key ring from `WDP_KEYRING` or `WDP_HOME/secrets/keyring.json`."""

    def load(self) -> Keyring:
        """The ring, once it is known to be the one the warehouse was written with."""
        server = Warehouse.from_env()
        keyring = load_keyring(server.settings.home)
        connection = psycopg2.connect(server.role_url("wdp_loader"))
        try:
            verify_keyring_matches_warehouse(connection, keyring)
        finally:
            connection.close()
        return keyring


class AppDatabaseResource(dg.ConfigurableResource):
    """The product's application database (the sandbox's `app` database in the demo).

    `WDP_APP_DATABASE_URL` names a read-only replica in production; without it
    the `app` database of the warehouse server is read as `wdp_loader`.
    """

    def connect(self) -> Connection:
        url = os.environ.get("WDP_APP_DATABASE_URL") or Warehouse.from_env().role_url(
            "wdp_loader", "app"
        )
        connection = psycopg2.connect(url, application_name="wdp-app-db-reader")
        connection.set_session(readonly=True)
        return connection


class EventsLandingResource(dg.ConfigurableResource):
    """The folder where the product's daily event files (`YYYY-MM-DD.jsonl`) arrive.

    `WDP_EVENTS_URL` (a local path or a `file://` URL) names it; without it the
    sandbox world's `WDP_HOME/sandbox/events` is read. Resolved when a run uses it.
    """

    def folder(self) -> Path:
        configured = os.environ.get("WDP_EVENTS_URL")
        if not configured:
            return Warehouse.from_env().settings.home / "sandbox" / "events"
        parsed = urlparse(configured)
        if parsed.scheme in ("", "file"):
            return Path(unquote(parsed.path) if parsed.scheme else configured).expanduser()
        raise ValueError(
            f"WDP_EVENTS_URL uses {parsed.scheme}://, but event files are read from a local "
            "folder or a file:// URL only; sync the files to a local folder and point "
            "WDP_EVENTS_URL at it."
        )


class PlaidResource(dg.ConfigurableResource):
    """The Plaid API: `PLAID_HOST` (a Plaid-compatible server such as the offline sandbox)
    or `PLAID_ENV` (sandbox / production) with `PLAID_CLIENT_ID` and `PLAID_SECRET`.

    The settings are read from the environment when a run opens the client, not
    as resource config: none of them is mandatory (without any, the demo's offline
    sandbox is used, see `open_client`), and the secret then never appears in
    Dagster's config, UI or run storage.
    """

    def open_client(self) -> AbstractContextManager[PlaidClient]:
        return _plaid_client()


@contextmanager
def _plaid_client() -> Iterator[PlaidClient]:
    """A `PlaidClient` for this run's settings.

    With neither `PLAID_ENV` nor `PLAID_HOST` set, the offline Plaid server of the
    sandbox world in `WDP_HOME/sandbox` (built by `wdp sandbox build` / `wdp demo`)
    is started on a free local port for the duration of the run, so `wdp run`
    and the demo need no Plaid account.
    """
    from ingestion.plaid.api import PlaidClient, PlaidSettings, plaid_host

    environment = os.environ.get("PLAID_ENV") or None
    host = os.environ.get("PLAID_HOST") or None
    if environment or host:
        client_id = os.environ.get("PLAID_CLIENT_ID")
        secret = os.environ.get("PLAID_SECRET")
        if not client_id or not secret:
            raise ValueError(
                "PLAID_ENV or PLAID_HOST is set but PLAID_CLIENT_ID or PLAID_SECRET is not: set "
                "both (from the Plaid dashboard), or unset PLAID_ENV/PLAID_HOST to use the "
                "offline sandbox."
            )
        yield PlaidClient(
            PlaidSettings(
                host=plaid_host(environment, host),
                client_id=client_id,
                secret=secret,
                # PLAID_HOST names the offline sandbox (DESIGN §5): it has a settable clock.
                is_offline_sandbox=host is not None,
            )
        )
        return
    from sandbox import PlaidSandboxServer

    world = Warehouse.from_env().settings.home / "sandbox"
    if not (world / "world.json").is_file():
        raise FileNotFoundError(
            f"No Plaid settings and no sandbox world in {world}: run `wdp sandbox build` (or "
            "`wdp demo`), or set PLAID_ENV, PLAID_CLIENT_ID and PLAID_SECRET."
        )
    with PlaidSandboxServer(world, port=0) as server:
        yield PlaidClient(
            PlaidSettings(
                host=server.url,
                client_id="wdp-offline-sandbox",
                secret="offline-sandbox",  # noqa: S106 - the local offline server accepts any
                is_offline_sandbox=True,
            )
        )
