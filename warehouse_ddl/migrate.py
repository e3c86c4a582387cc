"""Applies the versioned SQL migrations of `warehouse_ddl/migrations/` with yoyo-migrations.

`upgrade()` is idempotent: it creates the `warehouse` and `dagster` databases if
they are missing, applies only migrations not yet recorded in yoyo's version
table (`_yoyo_migration` in the warehouse), and (re)sets the login roles'
passwords from the local passfile, which never enters git or a migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql
from yoyo import get_backend, read_migrations

from warehouse_ddl.errors import WarehouseError
from warehouse_ddl.server import DATABASES, Warehouse

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations" / "warehouse"


@dataclass(frozen=True)
class UpgradeResult:
    """What one `wdp db upgrade` did."""

    databases_created: tuple[str, ...]
    migrations_applied: tuple[str, ...]
    migrations_total: int

    def describe(self) -> str:
        created = ", ".join(self.databases_created) or "none"
        applied = ", ".join(self.migrations_applied) or "none (already up to date)"
        return (
            f"databases created: {created}; migrations applied: {applied}; "
            f"{self.migrations_total} migrations recorded"
        )


def ensure_database(warehouse: Warehouse, database: str) -> bool:
    """Create `database` if it does not exist; returns whether it was created."""
    connection = psycopg2.connect(warehouse.admin_url("postgres"))
    try:
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction.
        with connection.cursor() as cursor:
            cursor.execute("select 1 from pg_database where datname = %s", (database,))
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
            return True
    finally:
        connection.close()


def upgrade(warehouse: Warehouse) -> UpgradeResult:
    """Bring the server to the newest schema; safe to run any number of times."""
    created = tuple(db for db in DATABASES if ensure_database(warehouse, db))
    backend = get_backend(warehouse.admin_url("warehouse"))
    migrations = read_migrations(str(MIGRATIONS_DIR))
    with backend.lock():
        pending = backend.to_apply(migrations)
        applied_ids = tuple(migration.id for migration in pending)
        try:
            backend.apply_migrations(pending)
        except psycopg2.Error as error:
            raise WarehouseError(
                f"A migration failed and was rolled back: {str(error).strip().splitlines()[0]}; "
                "fix the migration and run `wdp db upgrade` again."
            ) from None
    _set_role_passwords(warehouse)
    total = len(backend.get_applied_migration_hashes())
    return UpgradeResult(created, applied_ids, total)


def _set_role_passwords(warehouse: Warehouse) -> None:
    passwords = warehouse.ensure_role_passwords()
    connection = psycopg2.connect(warehouse.admin_url("postgres"))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            for role, password in passwords.items():
                # Literal() quotes client-side: ALTER ROLE takes no bind parameters.
                cursor.execute(
                    sql.SQL("alter role {} with login password {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )
    finally:
        connection.close()
