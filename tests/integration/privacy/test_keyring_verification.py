"""A missing or wrong key ring stops a run with one sentence, before anything is written.

The warehouse is loaded with its own key ring; then `wdp run` and `wdp keys
rotate` are started with another ring (a new installation's, or a ring that
has the right pepper but lost the keys). They refuse, say what to do, and the
load history and the stored rows are unchanged.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import connection as Connection

from ingestion.app_db.replication import replicate_table
from ingestion.app_db.tables import app_table
from privacy import Keyring, PrivacyError, ensure_local_keyring, load_keyring
from privacy.verification import verify_keyring_matches_warehouse
from sandbox import build_world
from tests.integration.ingestion.warehouse_state import emptied
from warehouse_ddl import Warehouse

WDP = str(Path(sys.executable).with_name("wdp"))


@pytest.fixture
def loaded_clients(
    warehouse: Warehouse, app_database_url: str, tmp_path: Path
) -> Iterator[tuple[Connection, Keyring]]:
    """raw_app.clients loaded with the installation's own key ring."""
    build_world(
        tmp_path / "world", clients=4, seed=9, as_of=date(2026, 11, 20),
        app_database_url=app_database_url,
    )  # fmt: skip
    ensure_local_keyring(warehouse.settings.home)
    keyring = load_keyring(warehouse.settings.home)
    with emptied(warehouse, "raw_app.clients, audit.load_watermarks"):
        source = psycopg2.connect(app_database_url)
        loader = psycopg2.connect(warehouse.role_url("wdp_loader"))
        replicate_table(app_table("clients"), source, loader, keyring)
        source.close()
        yield loader, keyring
        loader.close()


def _snapshot(loader: Connection) -> tuple:
    with loader.cursor() as cursor:
        cursor.execute("select count(*) from audit.load_runs")
        (load_runs,) = cursor.fetchone()
        cursor.execute(
            "select md5(string_agg(t::text, '' order by client_id)) from raw_app.clients t"
        )
        (clients_digest,) = cursor.fetchone()
    loader.rollback()
    return load_runs, clients_digest


def test_the_warehouse_own_ring_passes(loaded_clients: tuple[Connection, Keyring]) -> None:
    loader, keyring = loaded_clients
    assert verify_keyring_matches_warehouse(loader, keyring) >= 4  # 3 client keys, 1+ token


def test_a_foreign_ring_is_refused(loaded_clients: tuple[Connection, Keyring]) -> None:
    loader, _ = loaded_clients
    with pytest.raises(PrivacyError, match="pepper is not the one this warehouse"):
        verify_keyring_matches_warehouse(loader, Keyring.generate())


def test_a_ring_without_the_keys_is_refused(loaded_clients: tuple[Connection, Keyring]) -> None:
    loader, keyring = loaded_clients
    fresh = Keyring.generate()
    same_pepper_other_keys = Keyring(fresh.active_key_id, fresh.keys, keyring.pepper)
    with pytest.raises(PrivacyError, match=r"does not hold.*another key ring"):
        verify_keyring_matches_warehouse(loader, same_pepper_other_keys)


@pytest.mark.parametrize(
    "command", [("run", "--select", "key:raw_app/clients"), ("keys", "rotate")]
)
def test_commands_with_a_wrong_ring_write_nothing(
    command: tuple[str, ...], loaded_clients: tuple[Connection, Keyring], tmp_path: Path
) -> None:
    loader, _ = loaded_clients
    before = _snapshot(loader)
    ring_file = tmp_path / "foreign-keyring.json"
    ring_file.write_text(Keyring.generate().to_json())
    environment = {**os.environ, "WDP_KEYRING": str(ring_file)}
    if command[0] == "keys":
        # `keys rotate` manages only the local ring: put the foreign ring there instead.
        environment.pop("WDP_KEYRING")
        local = Path(os.environ["WDP_HOME"]) / "secrets" / "keyring.json"
        saved = local.read_text()
        local.write_text(ring_file.read_text())
    try:
        refused = subprocess.run(
            [WDP, *command], capture_output=True, text=True, env=environment, timeout=600,
            check=False,
        )  # fmt: skip
    finally:
        if command[0] == "keys":
            local.write_text(saved)
    assert refused.returncode != 0
    assert "nothing was written" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _snapshot(loader) == before
