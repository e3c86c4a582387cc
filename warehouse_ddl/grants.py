"""Grants on databases the migrations do not own, such as the demo's `app` database."""

from __future__ import annotations

from importlib.resources import files

import psycopg2

from warehouse_ddl.server import Warehouse


def grant_app_source_read(warehouse: Warehouse, database: str = "app") -> None:
    """Let `wdp_loader` read every table of the application database (after a sandbox build)."""
    statements = files("warehouse_ddl").joinpath("sql/grant_app_source_read.sql").read_text()
    connection = psycopg2.connect(warehouse.admin_url(database))
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(statements)
    finally:
        connection.close()
