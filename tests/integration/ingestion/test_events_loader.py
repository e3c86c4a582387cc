"""Event files into raw_events.events against the real warehouse, on sandbox event files."""

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import connection as Connection

from ingestion.events.segment import event_files, load_event_file, pending_event_files
from privacy import EnvelopeCipher, Keyring, client_key
from sandbox import build_world
from tests.integration.ingestion.warehouse_state import emptied
from warehouse_ddl import Warehouse


@pytest.fixture(scope="module")
def events_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("events-world") / "world"
    build_world(world, clients=15, seed=5, as_of=date(2026, 11, 20), app_database_url=None)
    return world / "events"


@pytest.fixture
def loader_connection(warehouse: Warehouse) -> Iterator[Connection]:
    tables = "raw_events.events, audit.event_file_loads, quarantine.rejected_records"
    with emptied(warehouse, tables):
        connection = psycopg2.connect(warehouse.role_url("wdp_loader"))
        yield connection
        connection.close()


def rows(connection: Connection, query: str, *params: object) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        found = cursor.fetchall()
    connection.rollback()
    return found


def message_ids(path: Path) -> list[str]:
    return [json.loads(text)["messageId"] for text in path.read_text().splitlines()]


def busiest_file(events_dir: Path) -> Path:
    return max(event_files(events_dir), key=lambda path: len(path.read_text().splitlines()))


def test_replaying_a_file_adds_no_duplicate(events_dir: Path, loader_connection: Connection):
    keyring = Keyring.generate()
    path = busiest_file(events_dir)
    first = load_event_file(path, loader_connection, keyring)
    expected = set(message_ids(path))
    assert first.rows_inserted == len(expected) > 0
    skipped = load_event_file(path, loader_connection, keyring)
    assert skipped.is_skipped and skipped.rows_inserted == 0
    forced = load_event_file(path, loader_connection, keyring, force=True)
    assert (forced.rows_read, forced.rows_inserted) == (first.rows_read, 0)
    assert forced.events_duplicate == first.rows_read
    stored = rows(loader_connection, "select message_id from raw_events.events")
    assert sorted(message_id for (message_id,) in stored) == sorted(expected)
    (recorded,) = rows(
        loader_connection,
        "select file_date, lines_read, lines_quarantined from audit.event_file_loads "
        "where file_name = %s",
        path.name,
    )
    assert recorded == (date.fromisoformat(path.stem), first.rows_read, 0)


def test_every_file_loads_with_late_and_redelivered_events_once(
    events_dir: Path, loader_connection: Connection
):
    keyring = Keyring.generate()
    paths = pending_event_files(events_dir, loader_connection)
    assert paths == event_files(events_dir)
    for path in paths:
        load_event_file(path, loader_connection, keyring)
    assert pending_event_files(events_dir, loader_connection) == []
    all_ids = [message_id for path in paths for message_id in message_ids(path)]
    assert len(all_ids) > len(set(all_ids)), "the sandbox delivers some events twice"
    (count,) = rows(loader_connection, "select count(*) from raw_events.events")
    assert count == (len(set(all_ids)),)
    (late,) = rows(
        loader_connection,
        "select count(*) from raw_events.events where timestamp::date < "
        "substr(_file_name, 1, 10)::date",
    )
    assert late[0] > 0, "late events are accepted into the file they arrived in"


def test_identity_can_be_stitched_and_identifiers_are_encrypted(
    events_dir: Path, loader_connection: Connection
):
    keyring = Keyring.generate()
    for path in event_files(events_dir):
        load_event_file(path, loader_connection, keyring)
    # Anonymous landing pages join their client through the identify of the same anonymous_id.
    stitched = rows(
        loader_connection,
        "select distinct anonymous_page.anonymous_id, identified.user_id, identified.client_key "
        "from raw_events.events as anonymous_page join raw_events.events as identified "
        "on identified.anonymous_id = anonymous_page.anonymous_id and identified.type = "
        "'identify' where anonymous_page.user_id is null",
    )
    assert stitched
    assert all(key == client_key(keyring.pepper, user_id) for _, user_id, key in stitched)
    emails, ips = set(), set()
    for path in event_files(events_dir):
        for text in path.read_text().splitlines():
            message = json.loads(text)
            emails.add((message.get("traits") or {}).get("email"))
            ips.add(message["context"]["ip"])
    emails.discard(None)
    stored = " ".join(
        text for (text,) in rows(loader_connection, "select e::text from raw_events.events as e")
    )
    assert emails and not any(email in stored for email in emails)
    assert not any(f'"{ip}"' in stored for ip in ips)
    (token,) = rows(
        loader_connection,
        "select traits->>'email_encrypted' from raw_events.events where type = 'identify' limit 1",
    )[0]
    assert EnvelopeCipher(keyring).decrypt(token, "raw_events.events.traits.email") in emails


def test_broken_lines_are_quarantined_and_the_rest_loads(
    events_dir: Path, loader_connection: Connection, tmp_path: Path
):
    good_lines = busiest_file(events_dir).read_text().splitlines()
    broken = [
        good_lines[0],
        '{"type": "track", "messageId": "m-broken"',
        json.dumps({"type": "track", "messageId": "m-no-time", "userId": "cl_1", "event": "X"}),
        *good_lines[1:],
        "[]",
    ]
    path = tmp_path / "2026-11-19.jsonl"
    path.write_text("\n".join(broken) + "\n\n")
    result = load_event_file(path, loader_connection, Keyring.generate())
    assert result.rows_read == len(good_lines) + 3
    assert result.rows_quarantined == 3
    assert result.rows_inserted == len(set(message_ids(busiest_file(events_dir))))
    quarantined = rows(
        loader_connection,
        "select source_reference, quarantine_reason, payload_encrypted from "
        "quarantine.rejected_records where source_name = 'events' order by source_reference",
    )
    by_line = {reference.rsplit(":", 1)[1]: reason for reference, reason, _ in quarantined}
    assert by_line["2"].startswith("line is not valid JSON")
    assert by_line["3"] == "timestamp is missing"
    assert by_line[str(len(good_lines) + 3)] == "line is not a JSON object"
    assert all(reference.startswith("2026-11-19.jsonl@") for reference, _, _ in quarantined)
    assert all(payload.startswith("v1.") for _, _, payload in quarantined)
