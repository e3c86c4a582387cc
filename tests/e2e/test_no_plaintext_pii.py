"""No direct identifier of the sandbox world is stored in clear anywhere the platform writes.

After a full run, every table of the `warehouse` and `dagster` databases, every
file under WDP_HOME that the platform wrote (logs, Dagster storage, validation
results, the document archive) is scanned for the world's names, e-mails,
phones, SSNs and Plaid access tokens, taken from the source itself.
"""

import csv
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from tests.e2e.conftest import SlicedWorld
from warehouse_ddl import Warehouse

# Folders of WDP_HOME that hold the platform's own outputs (not the sandbox's source files).
PLATFORM_OUTPUT_FOLDERS = ("logs", "dagster", "gx", "documents")


@pytest.fixture(scope="module")
def identifiers(sliced_world: SlicedWorld, warehouse: Warehouse) -> list[str]:
    with psycopg2.connect(warehouse.admin_url("app")) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select first_name || ' ' || last_name, email, phone, ssn, "
            "replace(ssn, '-', '') from clients"
        )
        values = {value for row in cursor.fetchall() for value in row}
    with open(sliced_world.world_dir / "truth" / "plaid_items.csv", newline="") as truth:
        values |= {row["access_token"] for row in csv.DictReader(truth)}
    assert len(values) > 100
    return sorted(values)


def _tables(connection) -> list[tuple[str, str]]:
    cursor = connection.cursor()
    cursor.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' "
        "and table_schema not in ('pg_catalog', 'information_schema')"
    )
    return cursor.fetchall()


@pytest.mark.parametrize("database", ["warehouse", "dagster"])
def test_no_identifier_in_any_table(
    database: str, identifiers: list[str], warehouse: Warehouse
) -> None:
    leaks = []
    with psycopg2.connect(warehouse.admin_url(database)) as connection:
        cursor = connection.cursor()
        for schema, table in _tables(connection):
            cursor.execute(
                sql.SQL("select count(*) from {} as t where t::text like any(%s)").format(
                    sql.Identifier(schema, table)
                ),
                ([f"%{value}%" for value in identifiers],),
            )
            if cursor.fetchone()[0]:
                leaks.append(f"{database}.{schema}.{table}")
    assert leaks == []


def test_no_identifier_in_files_the_platform_wrote(
    identifiers: list[str], warehouse: Warehouse
) -> None:
    needles = [value.encode() for value in identifiers]
    leaks = []
    for folder in PLATFORM_OUTPUT_FOLDERS:
        for path in (warehouse.settings.home / folder).rglob("*"):
            if path.is_file() and not path.is_symlink():
                content = _read(path)
                leaks.extend(f"{path}" for needle in needles if needle in content)
    assert sorted(set(leaks)) == []


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError:  # the embedded server's own files belong to its OS user
        return b""
