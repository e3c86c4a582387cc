"""Whole-file envelope encryption (the document archive): round trip, binding, tamper evidence."""

import pytest

from privacy import EnvelopeCipher, Keyring, PrivacyError


def test_bytes_round_trip_and_ciphertext_hides_the_content() -> None:
    cipher = EnvelopeCipher(Keyring.generate())
    content = b"%PDF-1.4 Recipient Tin: 123-45-6789\n" * 50
    sealed = cipher.encrypt_bytes(content, "raw_documents.archive.abc")
    assert b"123-45-6789" not in sealed
    assert cipher.decrypt_bytes(sealed, "raw_documents.archive.abc") == content
    # A fresh data key each time: the same file never gives the same bytes.
    assert cipher.encrypt_bytes(content, "raw_documents.archive.abc") != sealed


def test_empty_content_round_trips() -> None:
    cipher = EnvelopeCipher(Keyring.generate())
    assert cipher.decrypt_bytes(cipher.encrypt_bytes(b"", "c"), "c") == b""


def test_other_context_tampering_or_key_ring_do_not_decrypt() -> None:
    cipher = EnvelopeCipher(Keyring.generate())
    sealed = cipher.encrypt_bytes(b"form", "raw_documents.archive.aaa")
    with pytest.raises(PrivacyError):
        cipher.decrypt_bytes(sealed, "raw_documents.archive.bbb")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(PrivacyError):
        cipher.decrypt_bytes(tampered, "raw_documents.archive.aaa")
    with pytest.raises(PrivacyError):
        cipher.decrypt_bytes(sealed[:20], "raw_documents.archive.aaa")
    with pytest.raises(PrivacyError):
        EnvelopeCipher(Keyring.generate()).decrypt_bytes(sealed, "raw_documents.archive.aaa")
    with pytest.raises(PrivacyError):
        cipher.decrypt_bytes(b"plain text", "raw_documents.archive.aaa")
