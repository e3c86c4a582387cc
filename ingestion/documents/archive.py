"""The encrypted, content-addressed archive of every landed document, and the landing area.

Both live behind fsspec, so a local folder (the default) and `s3://…` or any
other fsspec URL work alike. An archived file is `<root>/<sha[:2]>/<sha256>.enc`:
its bytes sealed with AES-GCM under a fresh data key wrapped by the key ring's
active key (`EnvelopeCipher.encrypt_bytes`), the sha256 bound as associated
data, so a blob moved to another address does not decrypt. Storing is
idempotent and verified: the blob is written under a temporary name, moved into
place, read back and decrypted before the landing copy may be removed.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import fsspec

from privacy import EnvelopeCipher


class ArchiveError(RuntimeError):
    """The archive could not store or verify a file; its landing copy is kept."""


def _archive_context(file_sha256: str) -> str:
    return f"raw_documents.archive.{file_sha256}"


class DocumentArchive:
    """Encrypted documents addressed by the sha256 of their plaintext."""

    def __init__(self, url: str, cipher: EnvelopeCipher, **storage_options: Any) -> None:
        self._fs, self._root = fsspec.core.url_to_fs(url, **storage_options)
        self._cipher = cipher

    def path_of(self, file_sha256: str) -> str:
        return f"{self._root.rstrip('/')}/{file_sha256[:2]}/{file_sha256}.enc"

    def location_of(self, file_sha256: str) -> str:
        """The archived file as a URL (protocol included), as recorded in raw_documents.files."""
        return self._fs.unstrip_protocol(self.path_of(file_sha256))

    def contains(self, file_sha256: str) -> bool:
        return self._fs.exists(self.path_of(file_sha256))

    def store(self, file_sha256: str, content: bytes) -> str:
        """Archive `content` (whose sha256 is `file_sha256`) and verify it; returns its location."""
        if hashlib.sha256(content).hexdigest() != file_sha256:
            raise ArchiveError(f"content does not hash to {file_sha256}; nothing archived")
        path = self.path_of(file_sha256)
        if self._fs.exists(path) and self._verifies(file_sha256):
            return self.location_of(file_sha256)
        self._fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        partial = f"{path}.partial-{uuid.uuid4().hex}"
        with self._fs.open(partial, "wb") as handle:
            handle.write(self._cipher.encrypt_bytes(content, _archive_context(file_sha256)))
        self._fs.mv(partial, path)
        if not self._verifies(file_sha256):
            raise ArchiveError(
                f"archived copy of {file_sha256} does not read back; the landing copy is kept, "
                "check the archive storage and run again"
            )
        return self.location_of(file_sha256)

    def read(self, file_sha256: str) -> bytes:
        """The original bytes of an archived file (for re-processing and audits)."""
        with self._fs.open(self.path_of(file_sha256), "rb") as handle:
            sealed = handle.read()
        return self._cipher.decrypt_bytes(sealed, _archive_context(file_sha256))

    def reencrypt_under_active_key(self, active_key_id: str) -> int:
        """Re-seal every archived file not under `active_key_id` (key rotation).

        Each file is rewritten under a temporary name, moved into place and
        verified, so an interrupted rotation leaves every file readable; returns
        how many files were re-sealed.
        """
        resealed = 0
        for path in sorted(self._fs.glob(f"{self._root.rstrip('/')}/*/*.enc")):
            file_sha256 = path.rsplit("/", 1)[1].removesuffix(".enc")
            with self._fs.open(path, "rb") as handle:
                sealed = handle.read()
            if EnvelopeCipher.key_id_of_bytes(sealed) == active_key_id:
                continue
            content = self._cipher.decrypt_bytes(sealed, _archive_context(file_sha256))
            partial = f"{path}.partial-{uuid.uuid4().hex}"
            with self._fs.open(partial, "wb") as handle:
                handle.write(self._cipher.encrypt_bytes(content, _archive_context(file_sha256)))
            self._fs.mv(partial, path)
            if not self._verifies(file_sha256):
                raise ArchiveError(
                    f"re-sealed {file_sha256} does not read back; rerun the rotation"
                )
            resealed += 1
        return resealed

    def key_ids_in_use(self) -> set[str]:
        """Key ids named by the archived files."""
        found: set[str] = set()
        for path in self._fs.glob(f"{self._root.rstrip('/')}/*/*.enc"):
            with self._fs.open(path, "rb") as handle:
                found.add(EnvelopeCipher.key_id_of_bytes(handle.read(64)))
        return found

    def _verifies(self, file_sha256: str) -> bool:
        try:
            return hashlib.sha256(self.read(file_sha256)).hexdigest() == file_sha256
        except Exception:  # any failure to read back means "not safely stored"
            return False


@dataclass(frozen=True)
class LandedFile:
    """A file waiting in the landing area."""

    path: str
    name: str
    size_bytes: int
    modified_at: datetime | None


class LandingArea:
    """The folder (any fsspec URL) where uploaded documents arrive."""

    def __init__(self, url: str, **storage_options: Any) -> None:
        self.url = url
        self._fs, self._root = fsspec.core.url_to_fs(url, **storage_options)

    def files(self) -> list[LandedFile]:
        """Files directly in the landing folder, by name; hidden and partial files are ignored."""
        if not self._fs.exists(self._root):
            return []
        found = []
        for info in self._fs.ls(self._root, detail=True):
            name = info["name"].rstrip("/").rsplit("/", 1)[-1]
            if info.get("type") != "file" or name.startswith(".") or ".partial" in name:
                continue
            found.append(LandedFile(info["name"], name, int(info.get("size") or 0), _mtime(info)))
        return sorted(found, key=lambda landed: landed.name)

    def read(self, landed: LandedFile) -> bytes:
        with self._fs.open(landed.path, "rb") as handle:
            return handle.read()

    def remove(self, landed: LandedFile) -> None:
        self._fs.rm(landed.path)


def _mtime(info: dict[str, Any]) -> datetime | None:
    moment = info.get("mtime") or info.get("LastModified") or info.get("last_modified")
    if isinstance(moment, int | float):
        return datetime.fromtimestamp(moment, UTC)
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None
