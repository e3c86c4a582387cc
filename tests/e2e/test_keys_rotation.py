"""`wdp keys rotate` on the whole loaded platform: every stored token moves, loads go on."""

import psycopg2

from privacy import load_keyring
from privacy.rotation import key_ids_in_use
from tests.e2e.conftest import SlicedWorld, wdp
from warehouse_ddl import Warehouse


def test_rotation_re_encrypts_everything_and_the_pipeline_keeps_working(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    assert sliced_world.first_run.returncode == 0
    old_key_id = load_keyring(warehouse.settings.home).active_key_id

    rotated = wdp("keys", "rotate", "--retire-old-keys")
    assert rotated.returncode == 0, rotated.stderr
    assert f"retired keys {old_key_id}" in rotated.stdout

    ring = load_keyring(warehouse.settings.home)
    assert ring.active_key_id != old_key_id and old_key_id not in ring.keys
    with psycopg2.connect(warehouse.role_url("wdp_engineer")) as connection:
        assert key_ids_in_use(connection) == {ring.active_key_id}

    # Loaders keep working with the rotated ring (and would fail on a stale token).
    rerun = wdp("run", "--select", "key:raw_app/clients")
    assert rerun.returncode == 0, rerun.stderr[-2000:]


def test_archived_documents_are_re_sealed_under_the_active_key(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    from privacy import EnvelopeCipher

    archived = list((warehouse.settings.home / "documents" / "archive").rglob("*.enc"))
    assert archived, "the first run archived the world's documents"
    ring = load_keyring(warehouse.settings.home)
    wdp("keys", "rotate", "--retire-old-keys")
    rotated = load_keyring(warehouse.settings.home)
    assert rotated.active_key_id != ring.active_key_id
    for path in archived:
        assert EnvelopeCipher.key_id_of_bytes(path.read_bytes()) == rotated.active_key_id
