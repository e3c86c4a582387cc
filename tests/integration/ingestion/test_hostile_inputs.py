"""Hostile strings in every loader input are data: loaded verbatim or quarantined, never SQL.

SQL-injection attempts, backslashes (COPY's escape character), `%` (psycopg2's
placeholder character), both quotes, tabs and newlines (COPY's separators),
NUL bytes (which Postgres text cannot hold) and non-ASCII text go through the
real loaders on small dedicated fixtures: an app-database client, an event
file, and an uploaded equity export with a hostile file name. Each value comes
back exactly (decrypted where it is an identifier), or its record is quarantined
with a reason; every table is still there, with the rows it should have.
(Plaid fields: tests/integration/ingestion/plaid/test_plaid_hostile_fields.py.)
"""

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import connection as Connection

from ingestion.app_db.replication import replicate_table
from ingestion.app_db.tables import app_table
from ingestion.documents.archive import DocumentArchive, LandingArea
from ingestion.documents.loader import load_landed_documents
from ingestion.events.segment import load_event_file
from privacy import EnvelopeCipher, Keyring, client_key
from sandbox import build_world
from tests.integration.ingestion.warehouse_state import emptied
from warehouse_ddl import Warehouse

AS_OF = date(2026, 11, 20)
INJECTION = "Robert'); drop table raw_app.clients; --"
HOSTILE = (
    INJECTION,
    "'; drop table raw_app.clients; --",
    "back\\slash \\N \\. end",
    "100% off %s %(name)s _",
    "quote ' double \" both '\"",
    "tab\there, newline\nthere, return\rthere",
    "ünïcødé 名前 Ωμέγα 🙂 \u200b",
)
NUL = "nul\x00byte"
RAW_TABLES = (
    "raw_app.clients", "raw_app.document_uploads", "raw_events.events",
    "raw_documents.files", "raw_documents.equity_grants",
)  # fmt: skip


def _scalar(connection: Connection, query: str, *params: object) -> object:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        (value,) = cursor.fetchone()
    connection.rollback()
    return value


def assert_tables_intact(warehouse: Warehouse) -> None:
    with psycopg2.connect(warehouse.admin_url("warehouse")) as connection:
        for table in RAW_TABLES:
            assert _scalar(connection, "select to_regclass(%s)::text", table) == table


@pytest.fixture
def app_source(app_database_url: str, tmp_path: Path) -> Iterator[Connection]:
    """A 3-client sandbox app database (its own, dropped after the test)."""
    build_world(
        tmp_path / "world", clients=3, seed=7, as_of=AS_OF, app_database_url=app_database_url
    )
    connection = psycopg2.connect(app_database_url)
    yield connection
    connection.close()


@pytest.fixture
def loader(warehouse: Warehouse) -> Iterator[Connection]:
    tables = (
        "raw_app.clients, raw_app.document_uploads, raw_events.events, audit.event_file_loads, "
        "raw_documents.files, raw_documents.equity_grants, quarantine.rejected_records, "
        "audit.load_watermarks cascade"  # the document tables reference raw_documents.files
    )
    with emptied(warehouse, tables):
        connection = psycopg2.connect(warehouse.role_url("wdp_loader"))
        yield connection
        connection.close()


def test_app_client_fields_are_loaded_verbatim(
    app_source: Connection, loader: Connection, warehouse: Warehouse
) -> None:
    keyring = Keyring.generate()
    cipher = EnvelopeCipher(keyring)
    with app_source, app_source.cursor() as cursor:
        cursor.execute("select client_id from clients order by client_id")
        client_ids = [client_id for (client_id,) in cursor.fetchall()]
        # One hostile value per column kind: encrypted (names, e-mail) and clear (employer).
        for client_id, value in zip(client_ids, HOSTILE, strict=False):
            cursor.execute(
                "update clients set first_name = %s, last_name = %s, email = %s, "
                "employer_name = %s, updated_at = updated_at + interval '1 second' "
                "where client_id = %s",
                (value, value[::-1], f"{value}@example.com", value, client_id),
            )

    first = replicate_table(app_table("clients"), app_source, loader, keyring)
    assert first.rows_inserted == len(client_ids) and first.rows_quarantined == 0

    with loader.cursor() as cursor:
        cursor.execute(
            "select client_id, first_name_encrypted, last_name_encrypted, email_encrypted, "
            "employer_name from raw_app.clients"
        )
        loaded = {row[0]: row[1:] for row in cursor.fetchall()}
    loader.rollback()
    for client_id, value in zip(client_ids, HOSTILE, strict=False):
        first_name, last_name, email, employer = loaded[client_id]
        assert cipher.decrypt(first_name, "raw_app.clients.first_name") == value
        assert cipher.decrypt(last_name, "raw_app.clients.last_name") == value[::-1]
        assert cipher.decrypt(email, "raw_app.clients.email") == f"{value}@example.com"
        assert employer == value
    # Re-running changes nothing; every table is still there.
    again = replicate_table(app_table("clients"), app_source, loader, keyring)
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    assert_tables_intact(warehouse)


def _event(message_id: str, value: str, user_id: str = "cl_000001") -> dict:
    return {
        "type": "track",
        "event": "Document Uploaded",
        "messageId": message_id,
        "anonymousId": f"anon-{message_id}",
        "userId": user_id,
        "timestamp": "2026-11-19T10:00:00.000Z",
        "receivedAt": "2026-11-19T10:00:01.000Z",
        "properties": {"title": value, "search": value, "document_type": "w2"},
        "context": {"ip": "203.0.113.7", "page": {"path": f"/upload?q={value}"}},
        "traits": {"email": f"{value}@example.com"},
    }


def test_event_properties_are_loaded_verbatim_and_nul_is_quarantined(
    loader: Connection, warehouse: Warehouse, tmp_path: Path
) -> None:
    keyring = Keyring.generate()
    cipher = EnvelopeCipher(keyring)
    lines = [json.dumps(_event(f"hostile-{index}", value)) for index, value in enumerate(HOSTILE)]
    lines.append(json.dumps(_event("hostile-nul", NUL)))
    # An injection attempt in the id that becomes the primary key, too.
    lines.append(json.dumps(_event(INJECTION, "plain", user_id=INJECTION)))
    path = tmp_path / "2026-11-19.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    load = load_event_file(path, loader, keyring)

    assert (load.rows_read, load.rows_inserted, load.rows_quarantined) == (
        len(HOSTILE) + 2,
        len(HOSTILE) + 1,
        1,
    )
    assert any("NUL" in reason for reason in load.quarantine_reasons)
    with loader.cursor() as cursor:
        cursor.execute(
            "select message_id, properties, traits, client_key from raw_events.events "
            "order by message_id"
        )
        stored = {row[0]: row[1:] for row in cursor.fetchall()}
    loader.rollback()
    for index, value in enumerate(HOSTILE):
        properties, traits, _ = stored[f"hostile-{index}"]
        assert properties["title"] == value and properties["search"] == value
        assert cipher.decrypt(traits["email_encrypted"], "raw_events.events.traits.email") == (
            f"{value}@example.com"
        )
    assert stored[INJECTION][2] == client_key(keyring.pepper, INJECTION)
    assert_tables_intact(warehouse)


def _equity_export(stakeholder: str, company: str, grant_id: str = "GR900001-01") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["Grant ID", "Stakeholder Name", "Grant Type", "Grant Date", "Quantity Granted",
         "Exercise Price", "Vesting Start Date", "Vesting Schedule", "Cliff (Months)",
         "Quantity Exercised", "Expiration Date", "Company"]
    )  # fmt: skip
    writer.writerow(
        [grant_id, stakeholder, "ISO", "2025-03-15", "1000", "1.50", "2025-03-15",
         "48 months, 12 month cliff, monthly", "12", "0", "2035-03-15", company]
    )  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def test_document_field_and_file_name_are_loaded_verbatim_or_quarantined(
    app_source: Connection, loader: Connection, warehouse: Warehouse, tmp_path: Path
) -> None:
    keyring = Keyring.generate()
    cipher = EnvelopeCipher(keyring)
    with app_source, app_source.cursor() as cursor:
        cursor.execute(
            "select client_id, first_name || ' ' || last_name from clients "
            "order by client_id limit 1"
        )
        client_id, full_name = cursor.fetchone()
        hostile_company = HOSTILE[0] + " " + HOSTILE[2] + " " + HOSTILE[3] + " " + HOSTILE[6]
        files = {
            # A file name with quotes, %, a backslash-free injection and non-ASCII letters.
            f"{client_id} '; drop table raw_documents.files; -- 100% ünï.csv": _equity_export(
                full_name, hostile_company
            ),
            f"{client_id}_nul_company.csv": _equity_export(full_name, NUL, "GR900001-02"),
        }
        for number, file_name in enumerate(files, 1):
            cursor.execute(
                "insert into document_uploads (upload_id, client_id, document_type, tax_year, "
                "file_name, uploaded_at, updated_at) values (%s, %s, 'equity_grant_export', 2025, "
                "%s, now(), now())",
                (f"upl_hostile_{number}", client_id, file_name),
            )
    landing_dir = tmp_path / "landing"
    landing_dir.mkdir()
    for file_name, content in files.items():
        (landing_dir / file_name).write_bytes(content)
    archive = DocumentArchive(str(tmp_path / "archive"), cipher)

    load = load_landed_documents(
        LandingArea(str(landing_dir)), archive, loader, app_source, keyring, today=AS_OF
    )

    assert load.files_failed == 0
    assert load.files_parsed + load.files_quarantined == len(files)
    with loader.cursor() as cursor:
        cursor.execute(
            "select original_file_name_encrypted, status, quarantine_reason, file_sha256 "
            "from raw_documents.files"
        )
        recorded = {
            cipher.decrypt(name, "raw_documents.files.original_file_name"): (status, reason, sha)
            for name, status, reason, sha in cursor.fetchall()
        }
        cursor.execute("select company_name, file_sha256 from raw_documents.equity_grants")
        companies = dict(cursor.fetchall())
    loader.rollback()
    # Both files are recorded under their exact names: nothing lost, nothing renamed.
    assert set(recorded) == set(files)
    hostile_name = next(name for name in files if "drop table" in name)
    status, reason, sha = recorded[hostile_name]
    assert (status, reason) == ("parsed", None)
    assert companies[hostile_company] == sha
    # The NUL byte cannot be stored: that file is quarantined with a reason, not crashed on.
    nul_status, nul_reason, _ = recorded[f"{client_id}_nul_company.csv"]
    assert nul_status == "quarantined" and nul_reason
    assert NUL not in companies
    assert not list(landing_dir.iterdir())  # everything archived, so the landing is empty
    assert_tables_intact(warehouse)
