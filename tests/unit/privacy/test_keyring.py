"""Key ring loading: environment, local file, and clear errors when it is missing or bad."""

import stat
from pathlib import Path

import pytest

from privacy import Keyring, PrivacyError, ensure_local_keyring, load_keyring
from privacy.keyring import local_keyring_path


def test_missing_key_ring_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WDP_KEYRING", raising=False)
    with pytest.raises(PrivacyError, match="wdp keys init"):
        load_keyring(tmp_path)
    assert not local_keyring_path(tmp_path).exists(), "loading must never create keys"


def test_local_key_ring_is_created_0600_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WDP_KEYRING", raising=False)
    path, created = ensure_local_keyring(tmp_path)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = load_keyring(tmp_path)
    _, created_again = ensure_local_keyring(tmp_path)
    assert not created_again
    assert load_keyring(tmp_path) == first


def test_key_ring_from_environment_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ring = Keyring.generate()
    monkeypatch.setenv("WDP_KEYRING", ring.to_json())
    assert load_keyring(tmp_path) == ring


def test_key_ring_from_environment_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ring = Keyring.generate()
    path = tmp_path / "ring.json"
    path.write_text(ring.to_json())
    monkeypatch.setenv("WDP_KEYRING", str(path))
    assert load_keyring(tmp_path) == ring


@pytest.mark.parametrize(
    "text",
    [
        '{"keys": {}}',
        "{not json",
        '{"active_key_id": "a", "keys": {"a": "c2hvcnQ="}, "pepper": ""}',
    ],
)
def test_malformed_key_ring_is_refused(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WDP_KEYRING", text)
    with pytest.raises(PrivacyError, match="restore it from your backup"):
        load_keyring(tmp_path)


def test_key_ring_path_that_does_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WDP_KEYRING", str(tmp_path / "nowhere.json"))
    with pytest.raises(PrivacyError, match="does not exist"):
        load_keyring(tmp_path)
