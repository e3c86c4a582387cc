"""Replication of every app table: after each run the raw tables equal the source.

The source is a sandbox app database; between runs rows are changed, added,
soft-deleted and hard-deleted there, and each raw table is compared with its
source table value by value (encrypted columns decrypted, `client_key` recomputed).
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from ingestion.app_db.replication import AppTableSpec, replicate_table
from ingestion.app_db.tables import APP_TABLES, app_table
from ingestion.load import LoadResult, UnsafeDeletionError
from privacy import EnvelopeCipher, Keyring, client_key
from sandbox import build_world
from tests.integration.ingestion.warehouse_state import emptied
from warehouse_ddl import Warehouse

RAW_TABLES = ", ".join(spec.target_table for spec in APP_TABLES)


@pytest.fixture
def app_source(app_database_url: str, tmp_path: Path) -> Iterator[Connection]:
    build_world(
        tmp_path / "world", clients=25, seed=3, as_of=date(2026, 11, 20),
        app_database_url=app_database_url,
    )  # fmt: skip
    connection = psycopg2.connect(app_database_url)
    yield connection
    connection.close()


@pytest.fixture
def loader_connection(warehouse: Warehouse) -> Iterator[Connection]:
    tables = f"{RAW_TABLES}, quarantine.rejected_records, audit.load_watermarks"
    with emptied(warehouse, tables):
        connection = psycopg2.connect(warehouse.role_url("wdp_loader"))
        yield connection
        connection.close()


def replicate_all(
    source: Connection, warehouse: Connection, keyring: Keyring
) -> dict[str, LoadResult]:
    return {
        spec.source_table: replicate_table(spec, source, warehouse, keyring) for spec in APP_TABLES
    }


def source_rows(source: Connection, spec: AppTableSpec) -> dict[Any, dict[str, Any]]:
    with source.cursor() as cursor:
        cursor.execute(
            sql.SQL("select {} from {}").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in spec.source_columns),
                sql.Identifier(spec.source_table),
            )
        )
        names = [column.name for column in cursor.description]
        rows = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    source.rollback()
    return rows


def raw_rows_as_source(
    warehouse: Connection, spec: AppTableSpec, keyring: Keyring
) -> dict[Any, dict[str, Any]]:
    """The live rows of the raw table, decrypted back into the source's columns."""
    cipher = EnvelopeCipher(keyring)
    schema, table = spec.target_table.split(".")
    with warehouse.cursor() as cursor:
        cursor.execute(
            sql.SQL("select * from {} where _deleted_in_source_at is null").format(
                sql.Identifier(schema, table)
            )
        )
        names = [column.name for column in cursor.description]
        stored = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    warehouse.rollback()
    rows = {}
    for raw in stored:
        record = {}
        for column in spec.source_columns:
            if column in spec.encrypted_columns:
                token = raw[f"{column}_encrypted"]
                assert token.startswith("v1."), f"{spec.target_table}.{column} is not encrypted"
                record[column] = cipher.decrypt(token, f"{spec.target_table}.{column}")
            else:
                record[column] = raw[column]
        if spec.client_id_column:
            assert raw["client_key"] == client_key(keyring.pepper, raw[spec.client_id_column])
        for column in spec.last4_columns:
            assert raw[f"{column}_last4"] == record[column][-4:]
        rows[record[spec.key_column]] = record
    return rows


def as_text_where_encrypted(spec: AppTableSpec, row: dict[str, Any]) -> dict[str, Any]:
    """A source row as the raw table holds it: encrypted values decrypt to text."""

    def as_text(value: Any) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)

    return {
        column: as_text(value) if column in spec.encrypted_columns else value
        for column, value in row.items()
    }


def assert_raw_equals_source(source: Connection, warehouse: Connection, keyring: Keyring) -> None:
    for spec in APP_TABLES:
        expected = {
            key: as_text_where_encrypted(spec, row)
            for key, row in source_rows(source, spec).items()
        }
        assert expected, f"the sandbox should fill {spec.source_table}"
        assert_rows_equal(raw_rows_as_source(warehouse, spec, keyring), expected, spec)


def assert_rows_equal(
    actual: dict[Any, dict[str, Any]], expected: dict[Any, dict[str, Any]], spec: AppTableSpec
) -> None:
    """Equal keys, then equal values, naming the first differing column for a readable failure."""
    assert sorted(actual) == sorted(expected), f"{spec.target_table}: keys differ"
    for key, row in expected.items():
        for column, value in row.items():
            assert actual[key][column] == value, f"{spec.target_table} {key}.{column}"


def execute(source: Connection, statement: str) -> list[tuple]:
    with source, source.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchall() if cursor.description else []


def test_first_run_is_a_full_copy_of_every_table(
    app_source: Connection, loader_connection: Connection
) -> None:
    keyring = Keyring.generate()
    results = replicate_all(app_source, loader_connection, keyring)
    for spec in APP_TABLES:
        result = results[spec.source_table]
        assert result.is_full_read
        assert result.rows_inserted == result.rows_read > 0
        assert result.new_watermark is not None
    assert_raw_equals_source(app_source, loader_connection, keyring)


def test_changes_inserts_and_deletes_are_replicated_incrementally(
    app_source: Connection, loader_connection: Connection
) -> None:
    keyring = Keyring.generate()
    first = replicate_all(app_source, loader_connection, keyring)

    # Updates (the app stamps updated_at), a new client with a goal, a soft delete
    # and hard deletes (children before parents, as the source's foreign keys demand).
    execute(
        app_source,
        "update clients set state = 'VT', email = 'moved@example.org', updated_at = now() "
        "where client_id = (select min(client_id) from clients)",
    )
    execute(
        app_source,
        "update advisors set licensed_states = array['NY', 'N\"J'], is_accepting_clients = false, "
        "updated_at = now() where advisor_id = (select min(advisor_id) from advisors)",
    )
    execute(
        app_source,
        "insert into clients select 'cl_new_0001', first_name, last_name, 'new@example.org', "
        "phone, date_of_birth, '987-65-4321', street_address, city, state, postal_code, "
        "filing_status, annual_income_usd, null, signup_channel, now(), now(), null "
        "from clients order by client_id limit 1",
    )
    execute(
        app_source,
        "insert into goals values ('goal_new_0001', 'cl_new_0001', 'retirement', 1000000.00, "
        "'2050-01-01', 'active', now(), now(), null)",
    )
    execute(
        app_source,
        "update goals set deleted_at = now(), updated_at = now() "
        "where goal_id = (select min(goal_id) from goals where goal_id <> 'goal_new_0001')",
    )
    (deleted_item,) = execute(
        app_source,
        "delete from plaid_items where item_id = (select min(item_id) from plaid_items) "
        "returning item_id",
    )
    execute(
        app_source,
        "delete from document_uploads where upload_id = (select max(upload_id) "
        "from document_uploads)",
    )

    second = replicate_all(app_source, loader_connection, keyring)
    assert_raw_equals_source(app_source, loader_connection, keyring)
    assert (second["clients"].rows_inserted, second["clients"].rows_updated) == (1, 1)
    assert (second["advisors"].rows_inserted, second["advisors"].rows_updated) == (0, 1)
    assert (second["goals"].rows_inserted, second["goals"].rows_updated) == (1, 1)
    assert second["plaid_items"].rows_deleted == 1
    assert second["document_uploads"].rows_deleted == 1
    for table, result in second.items():
        assert not result.is_full_read, table
        # Only the changed rows and the safety overlap are read again.
        assert result.rows_read < first[table].rows_read, table

    # The deleted item is kept, stamped, with its token still encrypted.
    with loader_connection.cursor() as cursor:
        cursor.execute(
            "select _deleted_in_source_at is not null, access_token_encrypted "
            "from raw_app.plaid_items where item_id = %s",
            deleted_item,
        )
        is_stamped, token = cursor.fetchone()
    loader_connection.rollback()
    assert is_stamped and token.startswith("v1.")

    # A third run with nothing changed moves nothing.
    third = replicate_all(app_source, loader_connection, keyring)
    assert all(result.rows_moved == 0 for result in third.values())
    assert_raw_equals_source(app_source, loader_connection, keyring)


def test_a_row_deleted_then_restored_in_the_source_is_live_again(
    app_source: Connection, loader_connection: Connection
) -> None:
    keyring = Keyring.generate()
    spec = app_table("manual_assets")
    replicate_table(spec, app_source, loader_connection, keyring)
    (saved,) = execute(
        app_source, "delete from manual_assets where asset_id = (select min(asset_id) "
        "from manual_assets) returning *",
    )  # fmt: skip
    assert replicate_table(spec, app_source, loader_connection, keyring).rows_deleted == 1
    with app_source, app_source.cursor() as cursor:
        cursor.execute("insert into manual_assets values (%s, %s, %s, %s, %s, %s, %s, %s)", saved)
    restored = replicate_table(spec, app_source, loader_connection, keyring)
    assert restored.rows_restored == 1
    assert_table_equal(app_source, loader_connection, keyring, spec)


def assert_table_equal(
    source: Connection, warehouse: Connection, keyring: Keyring, spec: AppTableSpec
) -> None:
    expected = {k: as_text_where_encrypted(spec, r) for k, r in source_rows(source, spec).items()}
    assert_rows_equal(raw_rows_as_source(warehouse, spec, keyring), expected, spec)


def test_an_emptied_source_does_not_mark_the_warehouse_deleted(
    app_source: Connection, loader_connection: Connection
) -> None:
    keyring = Keyring.generate()
    spec = app_table("document_uploads")
    replicate_table(spec, app_source, loader_connection, keyring)
    execute(app_source, "delete from document_uploads")
    with pytest.raises(UnsafeDeletionError, match="returned no keys"):
        replicate_table(spec, app_source, loader_connection, keyring)
    with loader_connection.cursor() as cursor:
        cursor.execute(
            "select count(*) from raw_app.document_uploads where _deleted_in_source_at is null"
        )
        assert cursor.fetchone()[0] > 0
        cursor.execute(
            "select load_status from audit.load_runs where source_name = 'app.document_uploads' "
            "order by started_at desc limit 1"
        )
        assert cursor.fetchone() == ("failed",)
    loader_connection.rollback()


def test_the_watermark_moves_with_the_data(
    app_source: Connection, loader_connection: Connection
) -> None:
    keyring = Keyring.generate()
    spec = app_table("goals")
    first = replicate_table(spec, app_source, loader_connection, keyring)
    (source_max,) = execute(app_source, "select max(updated_at) from goals")
    with loader_connection.cursor() as cursor:
        cursor.execute(
            "select watermark_at, load_id::text from audit.load_watermarks "
            "where source_name = 'app.goals'"
        )
        assert cursor.fetchone() == (source_max[0], str(first.load_id))
    loader_connection.rollback()
    second = replicate_table(spec, app_source, loader_connection, keyring)
    assert second.previous_watermark == first.new_watermark


def test_plaid_access_tokens_are_never_stored_in_clear(
    app_source: Connection, loader_connection: Connection
) -> None:
    keyring = Keyring.generate()
    replicate_table(app_table("plaid_items"), app_source, loader_connection, keyring)
    tokens = [token for (token,) in execute(app_source, "select access_token from plaid_items")]
    assert tokens
    with loader_connection.cursor() as cursor:
        cursor.execute("select p::text from raw_app.plaid_items as p")
        stored = " ".join(row[0] for row in cursor.fetchall())
    loader_connection.rollback()
    assert not any(token in stored for token in tokens)
