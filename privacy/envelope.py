"""AES-GCM envelope encryption of single values, with the key id beside the ciphertext.

Each value gets a fresh 256-bit data key; the data key is wrapped (AES-GCM) with
the key ring's active key-encryption key. The token names that key id so keys
can rotate: old tokens stay readable while the old key is kept in the ring.
The `context` (e.g. "raw_app.clients.email") is bound as associated data, so a
ciphertext copied into another column does not decrypt.

Token: ``v1.<key id>.<base64url(nonce | wrapped data key)>.<base64url(nonce | ciphertext)>``
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

    @staticmethod
    def key_id_of(token: str) -> str:
        return token.split(".", 2)[1]


def _aad(key_id: str, context: str) -> bytes:
    return f"{_VERSION}|{key_id}|{context}".encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
