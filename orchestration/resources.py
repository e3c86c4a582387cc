"""Dagster resources: the warehouse per role, the key ring, the app source database.

All settings are resolved when a run uses the resource, never at import
(STYLE habit 2): the same code serves the embedded server, CI and production.
"""

from __future__ import annotations

import os

import dagster as dg
import psycopg2
from psycopg2.extensions import connection as Connection

from privacy import Keyring, load_keyring
from warehouse_ddl import Warehouse


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
        return load_keyring(Warehouse.from_env().settings.home)


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
