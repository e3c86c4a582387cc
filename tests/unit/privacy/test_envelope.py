"""Envelope encryption: round trips, context binding, rotation, clear errors."""

import pytest

from privacy import EnvelopeCipher, Keyring, PrivacyError


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.generate()


def test_round_trip_returns_the_plaintext(keyring: Keyring) -> None:
    cipher = EnvelopeCipher(keyring)
    token = cipher.encrypt("ada@example.com", "raw_app.clients.email")
    assert "ada" not in token
    assert cipher.decrypt(token, "raw_app.clients.email") == "ada@example.com"


def test_same_value_encrypts_differently_each_time(keyring: Keyring) -> None:
    cipher = EnvelopeCipher(keyring)
    assert cipher.encrypt("123-45-6789", "c") != cipher.encrypt("123-45-6789", "c")


def test_token_names_its_key_id(keyring: Keyring) -> None:
    token = EnvelopeCipher(keyring).encrypt("x", "c")
    assert EnvelopeCipher.key_id_of(token) == keyring.active_key_id


def test_ciphertext_moved_to_another_column_does_not_decrypt(keyring: Keyring) -> None:
    cipher = EnvelopeCipher(keyring)
    token = cipher.encrypt("ada@example.com", "raw_app.clients.email")
    with pytest.raises(PrivacyError, match="does not decrypt"):
        cipher.decrypt(token, "raw_app.clients.phone")


def test_altered_ciphertext_is_refused(keyring: Keyring) -> None:
    cipher = EnvelopeCipher(keyring)
    token = cipher.encrypt("ada@example.com", "c")
    altered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(PrivacyError):
        cipher.decrypt(altered, "c")


def test_old_tokens_stay_readable_after_a_new_active_key(keyring: Keyring) -> None:
    old_token = EnvelopeCipher(keyring).encrypt("ada", "c")
    newer = Keyring.generate()
    rotated = Keyring(
        active_key_id=newer.active_key_id,
        keys={**keyring.keys, **newer.keys},
        pepper=keyring.pepper,
    )
    cipher = EnvelopeCipher(rotated)
    assert cipher.decrypt(old_token, "c") == "ada"
    assert EnvelopeCipher.key_id_of(cipher.encrypt("ada", "c")) == newer.active_key_id


def test_missing_key_names_the_key_id(keyring: Keyring) -> None:
    token = EnvelopeCipher(keyring).encrypt("ada", "c")
    stranger = EnvelopeCipher(Keyring.generate())
    with pytest.raises(PrivacyError, match=keyring.active_key_id):
        stranger.decrypt(token, "c")
