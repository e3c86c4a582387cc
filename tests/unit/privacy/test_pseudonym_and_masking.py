"""Pseudonymous client keys and the last-4 mask."""

from privacy import Keyring, client_key, last4


def test_client_key_is_stable_and_hex() -> None:
    pepper = Keyring.generate().pepper
    key = client_key(pepper, "cl_000001")
    assert key == client_key(pepper, "cl_000001")
    assert len(key) == 64 and int(key, 16) >= 0


def test_client_key_depends_on_pepper_and_id() -> None:
    pepper, other_pepper = Keyring.generate().pepper, Keyring.generate().pepper
    assert client_key(pepper, "cl_000001") != client_key(pepper, "cl_000002")
    assert client_key(pepper, "cl_000001") != client_key(other_pepper, "cl_000001")
    assert "cl_000001" not in client_key(pepper, "cl_000001")


def test_last4_keeps_only_four_digits() -> None:
    assert last4("123-45-6789") == "6789"
    assert last4("acct 000123456789") == "6789"
    assert last4("12") == ""
