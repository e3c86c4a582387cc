"""The key ring: AES-256 key-encryption keys by id, the active id, and the pseudonym pepper.

Loaded from `WDP_KEYRING` (the JSON itself, or a path to it) or from the local
file `WDP_HOME/secrets/keyring.json`, which `wdp keys init` creates with mode
0600. Loading never creates keys: a lost key ring must be noticed, not replaced.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from privacy.errors import PrivacyError

KEY_BYTES = 32


@dataclass(frozen=True)
class Keyring:
    """Key-encryption keys by key id, which one encrypts new data, and the HMAC pepper."""

    active_key_id: str
    keys: dict[str, bytes]
    pepper: bytes

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise PrivacyError(
                f"Data was encrypted with key {key_id!r}, which this key ring does not hold; "
                "load the key ring that contains it (WDP_KEYRING)."
            ) from None

    def to_json(self) -> str:
        return json.dumps(
            {
                "active_key_id": self.active_key_id,
                "keys": {kid: _b64(key) for kid, key in sorted(self.keys.items())},
                "pepper": _b64(self.pepper),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, origin: str) -> Keyring:
        try:
            document = json.loads(text)
            keys = {kid: base64.b64decode(value) for kid, value in document["keys"].items()}
            ring = cls(document["active_key_id"], keys, base64.b64decode(document["pepper"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise PrivacyError(
                f"The key ring from {origin} is not valid JSON with active_key_id, keys and "
                "pepper; restore it from your backup."
            ) from None
        if ring.active_key_id not in keys or any(len(k) != KEY_BYTES for k in keys.values()):
            raise PrivacyError(
                f"The key ring from {origin} has no 32-byte key for its active id "
                f"{ring.active_key_id!r}; restore it from your backup."
            )
        return ring

    @classmethod
    def generate(cls) -> Keyring:
        key_id = f"k{secrets.token_hex(4)}"
        return cls(key_id, {key_id: secrets.token_bytes(KEY_BYTES)}, secrets.token_bytes(32))


def local_keyring_path(home: Path) -> Path:
    return home / "secrets" / "keyring.json"


def load_keyring(home: Path) -> Keyring:
    """The key ring of `WDP_KEYRING`, else the local file; a clear error if neither exists."""
    configured = os.environ.get("WDP_KEYRING")
    if configured:
        if configured.lstrip().startswith("{"):
            return Keyring.from_json(configured, "WDP_KEYRING")
        path = Path(configured).expanduser()
        if not path.is_file():
            raise PrivacyError(
                f"WDP_KEYRING names {path}, which does not exist; point it at the key ring "
                "file or unset it to use the local one."
            )
        return Keyring.from_json(path.read_text(), str(path))
    path = local_keyring_path(home)
    if not path.is_file():
        raise PrivacyError(
            f"No key ring: WDP_KEYRING is unset and {path} does not exist; run `wdp keys init` "
            "on a new installation, or restore the key ring from backup (data encrypted with "
            "a lost key cannot be read)."
        )
    return Keyring.from_json(path.read_text(), str(path))


def ensure_local_keyring(home: Path) -> tuple[Path, bool]:
    """Create the local key ring (0600) if it does not exist; returns (path, created)."""
    path = local_keyring_path(home)
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    # O_EXCL: never overwrite a key ring another process created meanwhile.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as keyring_file:
        keyring_file.write(Keyring.generate().to_json())
    return path, True


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
