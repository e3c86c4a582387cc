"""Key rotation against a real warehouse: every token moves to the new key, nothing is lost."""

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg2
import pytest

from ingestion.app_db.replication import replicate_table
from ingestion.app_db.tables import CLIENTS, PLAID_ITEMS
from ingestion.events.segment import load_event_file
from privacy import EnvelopeCipher, Keyring, PrivacyError
from privacy.rotation import (
    key_ids_in_use,
    reencrypt_warehouse,
    with_new_active_key,
    without_keys,
)
from sandbox import build_world
from warehouse_ddl import Warehouse, ensure_database, upgrade
from warehouse_ddl.settings import WarehouseSettings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def loaded_warehouse() -> Iterator[tuple[Warehouse, Keyring]]:
    """A private warehouse (no other test's tokens) loaded from a small world."""
    home = Path(tempfile.mkdtemp(prefix="wdp-rotation-"))
    home.chmod(0o755)
    server = Warehouse(WarehouseSettings(home=home, external_admin_url=None, pg_port=_free_port()))
    server.start()
    try:
        upgrade(server)
        ensure_database(server, "app")
        world = build_world(
            home / "world", clients=12, seed=3, as_of=date(2026, 11, 20),
            app_database_url=server.admin_url("app"),
        )  # fmt: skip
        keyring = Keyring.generate()
        source = psycopg2.connect(server.admin_url("app"))
        loader = psycopg2.connect(server.role_url("wdp_loader"))
        for spec in (CLIENTS, PLAID_ITEMS):
            replicate_table(spec, source, loader, keyring)
        for event_file in sorted(world.events_dir.glob("*.jsonl"))[-5:]:
            load_event_file(event_file, loader, keyring)
        source.close()
        loader.close()
        yield server, keyring
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _plaintexts(server: Warehouse, keyring: Keyring) -> dict[str, str]:
    cipher = EnvelopeCipher(keyring)
    with psycopg2.connect(server.role_url("wdp_loader")) as connection:
        cursor = connection.cursor()
        cursor.execute("select client_id, email_encrypted, ssn_encrypted from raw_app.clients")
        values = {
            f"{client_id}:{field}": cipher.decrypt(token, f"raw_app.clients.{field}")
            for client_id, email, ssn in cursor.fetchall()
            for field, token in (("email", email), ("ssn", ssn))
        }
        cursor.execute("select item_id, access_token_encrypted from raw_app.plaid_items")
        values |= {
            f"{item_id}:token": cipher.decrypt(token, "raw_app.plaid_items.access_token")
            for item_id, token in cursor.fetchall()
        }
    return values


def test_rotation_moves_every_token_to_the_new_key(loaded_warehouse) -> None:
    server, keyring = loaded_warehouse
    before = _plaintexts(server, keyring)
    assert before
    with psycopg2.connect(server.role_url("wdp_loader")) as connection:
        assert key_ids_in_use(connection) == {keyring.active_key_id}

    rotated = with_new_active_key(keyring)
    assert rotated.active_key_id != keyring.active_key_id
    connection = psycopg2.connect(server.role_url("wdp_loader"))
    try:
        counts = reencrypt_warehouse(connection, rotated)
        assert counts.tables["raw_app.clients"] > 0
        assert counts.tables["raw_events.events"] > 0, "tokens inside jsonb documents too"
        assert key_ids_in_use(connection) == {rotated.active_key_id}
        again = reencrypt_warehouse(connection, rotated)
        assert again.rows_rewritten == 0, "a second pass has nothing left to do"
    finally:
        connection.close()

    retired = without_keys(rotated, {keyring.active_key_id})
    assert keyring.active_key_id not in retired.keys
    assert _plaintexts(server, retired) == before, "nothing lost, everything readable"


def test_the_active_key_cannot_be_retired() -> None:
    ring = Keyring.generate()
    with pytest.raises(PrivacyError, match="active key cannot be retired"):
        without_keys(ring, {ring.active_key_id})


def test_keyring_file_is_replaced_atomically_0600(tmp_path: Path) -> None:
    from privacy.rotation import save_keyring_file

    path = tmp_path / "secrets" / "keyring.json"
    ring = with_new_active_key(Keyring.generate())
    save_keyring_file(path, ring)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert Keyring.from_json(path.read_text(), "test") == ring
    assert [p.name for p in path.parent.iterdir()] == ["keyring.json"]
