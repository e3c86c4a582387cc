"""AES-GCM envelope encryption of single values, with the key id beside the ciphertext.

Each value gets a fresh 256-bit data key; the data key is wrapped (AES-GCM) with
the key ring's active key-encryption key. The token names that key id so keys
can rotate: old tokens stay readable while the old key is kept in the ring.
The `context` (e.g. "raw_app.clients.email") is bound as associated data, so a
ciphertext copied into another column does not decrypt.

Token: ``v1.<key id>.<base64url(nonce | wrapped data key)>.<base64url(nonce | ciphertext)>``

Whole files (the document archive) use the same envelope in binary form
(`encrypt_bytes` / `decrypt_bytes`): ``WDPB1 | key id length (1 byte) | key id |
nonce | wrapped data key | nonce | ciphertext``.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from privacy.errors import PrivacyError
from privacy.keyring import Keyring

_VERSION = "v1"
_NONCE_BYTES = 12
_BYTES_MAGIC = b"WDPB1"
_WRAPPED_KEY_BYTES = 32 + 16  # a 256-bit data key and its GCM tag


class EnvelopeCipher:
    """Encrypts and decrypts values with a key ring."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    def encrypt(self, plaintext: str, context: str) -> str:
        key_id = self._keyring.active_key_id
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce, data_nonce = os.urandom(_NONCE_BYTES), os.urandom(_NONCE_BYTES)
        wrapped = AESGCM(self._keyring.key(key_id)).encrypt(
            wrap_nonce, data_key, _aad(key_id, context)
        )
        sealed = AESGCM(data_key).encrypt(
            data_nonce, plaintext.encode("utf-8"), _aad(key_id, context)
        )
        return ".".join((_VERSION, key_id, _b64(wrap_nonce + wrapped), _b64(data_nonce + sealed)))

    def decrypt(self, token: str, context: str) -> str:
        try:
            version, key_id, wrapped_part, sealed_part = token.split(".")
        except ValueError:
            raise PrivacyError(f"Not an envelope token in {context}.") from None
        if version != _VERSION:
            raise PrivacyError(f"Unknown envelope version {version!r} in {context}.")
        wrapped, sealed = _unb64(wrapped_part), _unb64(sealed_part)
        try:
            data_key = AESGCM(self._keyring.key(key_id)).decrypt(
                wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], _aad(key_id, context)
            )
            plaintext = AESGCM(data_key).decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _aad(key_id, context)
            )
        except InvalidTag:
            raise PrivacyError(
                f"A value in {context} does not decrypt with key {key_id!r}: wrong key ring "
                "or the value was altered."
            ) from None
        return plaintext.decode("utf-8")

    def encrypt_bytes(self, plaintext: bytes, context: str) -> bytes:
        """Encrypt a whole file's bytes under a fresh data key; `context` is bound as AAD."""
        key_id = self._keyring.active_key_id
        encoded_key_id = key_id.encode("utf-8")
        if len(encoded_key_id) > 255:
            raise PrivacyError("Key ids longer than 255 bytes cannot be stored in a file envelope.")
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce, data_nonce = os.urandom(_NONCE_BYTES), os.urandom(_NONCE_BYTES)
        aad = _aad(key_id, context)
        wrapped = AESGCM(self._keyring.key(key_id)).encrypt(wrap_nonce, data_key, aad)
        sealed = AESGCM(data_key).encrypt(data_nonce, plaintext, aad)
        return b"".join(
            (
                _BYTES_MAGIC,
                bytes([len(encoded_key_id)]),
                encoded_key_id,
                wrap_nonce,
                wrapped,
                data_nonce,
                sealed,
            )
        )

    def decrypt_bytes(self, envelope: bytes, context: str) -> bytes:
        """The plaintext of `encrypt_bytes`; `PrivacyError` if the key, context or bytes differ."""
        if not envelope.startswith(_BYTES_MAGIC) or len(envelope) < len(_BYTES_MAGIC) + 1:
            raise PrivacyError(f"Not a file envelope in {context}.")
        position = len(_BYTES_MAGIC)
        key_id_length = envelope[position]
        position += 1
        key_id = envelope[position : position + key_id_length].decode("utf-8", "replace")
        position += key_id_length
        wrap_nonce = envelope[position : position + _NONCE_BYTES]
        position += _NONCE_BYTES
        wrapped = envelope[position : position + _WRAPPED_KEY_BYTES]
        position += _WRAPPED_KEY_BYTES
        data_nonce = envelope[position : position + _NONCE_BYTES]
        sealed = envelope[position + _NONCE_BYTES :]
        aad = _aad(key_id, context)
        try:
            data_key = AESGCM(self._keyring.key(key_id)).decrypt(wrap_nonce, wrapped, aad)
            return AESGCM(data_key).decrypt(data_nonce, sealed, aad)
        except (InvalidTag, ValueError):
            raise PrivacyError(
                f"A file envelope in {context} does not decrypt with key {key_id!r}: wrong key "
                "ring, or the file was altered or truncated."
            ) from None

    @staticmethod
    def key_id_of(token: str) -> str:
        return token.split(".", 2)[1]

    @staticmethod
    def key_id_of_bytes(envelope: bytes) -> str:
        """The key id named in the header of an `encrypt_bytes` envelope."""
        if not envelope.startswith(_BYTES_MAGIC) or len(envelope) < len(_BYTES_MAGIC) + 1:
            raise PrivacyError("Not a file envelope.")
        length = envelope[len(_BYTES_MAGIC)]
        start = len(_BYTES_MAGIC) + 1
        return envelope[start : start + length].decode("utf-8", "replace")


def _aad(key_id: str, context: str) -> bytes:
    return f"{_VERSION}|{key_id}|{context}".encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
