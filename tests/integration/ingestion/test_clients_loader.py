"""The clients loader against a real sandbox app database and the real warehouse.

Replication of every app table (changes, inserts, deletes) is tested in
test_app_db_replication.py; these tests pin the clients-specific behaviour.
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import connection as Connection

from ingestion.app_db.clients import load_clients
from privacy import EnvelopeCipher, Keyring, client_key
from sandbox import build_world
from tests.integration.ingestion.warehouse_state import emptied
from warehouse_ddl import Warehouse


@pytest.fixture
def app_source(app_database_url: str, tmp_path: Path) -> Iterator[Connection]:
    build_world(
        tmp_path / "world", clients=40, seed=7, as_of=date(2026, 11, 20),
        app_database_url=app_database_url,
    )  # fmt: skip
    connection = psycopg2.connect(app_database_url)
    yield connection
    connection.close()


@pytest.fixture
def loader_connection(warehouse: Warehouse) -> Iterator[Connection]:
    tables = "raw_app.clients, quarantine.rejected_records, audit.load_watermarks"
    with emptied(warehouse, tables):
        connection = psycopg2.connect(warehouse.role_url("wdp_loader"))
        yield connection
        connection.close()


def _scalar(connection: Connection, query: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(query)
        value = cursor.fetchone()[0]
    connection.rollback()
    return value


def test_load_then_reload_changes_nothing(app_source: Connection, loader_connection: Connection):
    keyring = Keyring.generate()
    first = load_clients(app_source, loader_connection, keyring)
    source_count = _scalar(app_source, "select count(*) from clients")
    assert first.rows_read == source_count
    assert first.rows_inserted == source_count
    assert _scalar(loader_connection, "select count(*) from raw_app.clients") == source_count

    # The second run is incremental: it re-reads only the safety overlap.
    second = load_clients(app_source, loader_connection, keyring)
    assert not second.is_full_read
    assert (second.rows_inserted, second.rows_updated, second.rows_deleted) == (0, 0, 0)
    assert second.rows_read < source_count

    # A full refresh reads everything and still rewrites nothing.
    third = load_clients(app_source, loader_connection, keyring, full_refresh=True)
    assert third.is_full_read
    assert (third.rows_inserted, third.rows_updated, third.rows_deleted) == (0, 0, 0)
    assert third.rows_unchanged == source_count


def test_pii_is_encrypted_and_decryptable(app_source: Connection, loader_connection: Connection):
    keyring = Keyring.generate()
    load_clients(app_source, loader_connection, keyring)
    with app_source.cursor() as cursor:
        cursor.execute("select client_id, email, ssn from clients order by client_id limit 1")
        client_id, email, ssn = cursor.fetchone()
    with loader_connection.cursor() as cursor:
        cursor.execute(
            "select client_key, email_encrypted, ssn_encrypted, ssn_last4 "
            "from raw_app.clients where client_id = %s",
            (client_id,),
        )
        key, email_token, ssn_token, ssn_last4 = cursor.fetchone()
        cursor.execute(
            "select count(*) from raw_app.clients as c where c::text like %s",
            (f"%{email}%",),
        )
        assert cursor.fetchone()[0] == 0, "the e-mail must not be stored in clear anywhere"
    cipher = EnvelopeCipher(keyring)
    assert cipher.decrypt(email_token, "raw_app.clients.email") == email
    assert cipher.decrypt(ssn_token, "raw_app.clients.ssn") == ssn
    assert ssn_last4 == ssn[-4:]
    assert key == client_key(keyring.pepper, client_id)


def test_changed_row_is_updated(app_source: Connection, loader_connection: Connection):
    keyring = Keyring.generate()
    load_clients(app_source, loader_connection, keyring)
    with app_source, app_source.cursor() as cursor:
        cursor.execute(
            "update clients set state = 'VT', updated_at = now() "
            "where client_id = (select min(client_id) from clients) returning client_id"
        )
        (client_id,) = cursor.fetchone()
    result = load_clients(app_source, loader_connection, keyring)
    assert (result.rows_inserted, result.rows_updated) == (0, 1)
    state = _scalar(
        loader_connection, f"select state from raw_app.clients where client_id = '{client_id}'"
    )
    assert state == "VT"


def test_broken_rows_are_quarantined_and_the_rest_loads(
    app_source: Connection, loader_connection: Connection
):
    with app_source, app_source.cursor() as cursor:
        cursor.execute(
            "update clients set state = 'ZZ' where client_id = (select min(client_id) from clients)"
        )
        cursor.execute(
            "update clients set email = 'no-at-sign' "
            "where client_id = (select max(client_id) from clients)"
        )
    result = load_clients(app_source, loader_connection, Keyring.generate())
    assert result.rows_quarantined == 2
    assert result.rows_inserted == result.rows_read - 2
    reasons = _scalar(
        loader_connection,
        "select string_agg(quarantine_reason, ' | ' order by quarantine_reason) "
        "from quarantine.rejected_records",
    )
    assert "email has no @" in reasons and "state 'ZZ' is not a US state code" in reasons
    payload = _scalar(
        loader_connection, "select min(payload_encrypted) from quarantine.rejected_records"
    )
    assert payload.startswith("v1."), "rejected payloads hold PII and are kept encrypted"


def test_load_runs_are_recorded(app_source: Connection, loader_connection: Connection):
    result = load_clients(app_source, loader_connection, Keyring.generate())
    with loader_connection.cursor() as cursor:
        cursor.execute(
            "select load_status, rows_read, rows_loaded from audit.load_runs where load_id = %s",
            (str(result.load_id),),
        )
        assert cursor.fetchone() == ("succeeded", result.rows_read, result.rows_loaded)
