"""The content-addressed encrypted archive and the landing area (local fsspec folders)."""

import hashlib
from pathlib import Path

import pytest

from ingestion.documents.archive import ArchiveError, DocumentArchive, LandingArea
from privacy import EnvelopeCipher, Keyring


def test_archive_stores_encrypted_by_sha256_and_reads_back(tmp_path: Path) -> None:
    archive = DocumentArchive(str(tmp_path / "archive"), EnvelopeCipher(Keyring.generate()))
    content = b"field,value\nrecipient_tin,123-45-6789\n"
    file_sha256 = hashlib.sha256(content).hexdigest()
    location = archive.store(file_sha256, content)
    stored = tmp_path / "archive" / file_sha256[:2] / f"{file_sha256}.enc"
    assert location.endswith(f"{file_sha256}.enc") and stored.is_file()
    assert b"123-45-6789" not in stored.read_bytes()
    assert archive.read(file_sha256) == content
    # Storing again keeps the verified blob: same bytes on disk.
    before = stored.read_bytes()
    archive.store(file_sha256, content)
    assert stored.read_bytes() == before
    assert [path.name for path in stored.parent.iterdir()] == [stored.name]  # no partials


def test_archive_refuses_content_that_does_not_match_its_address(tmp_path: Path) -> None:
    archive = DocumentArchive(str(tmp_path), EnvelopeCipher(Keyring.generate()))
    with pytest.raises(ArchiveError):
        archive.store("0" * 64, b"something else")
    assert not archive.contains("0" * 64)


def test_a_blob_moved_to_another_address_does_not_decrypt(tmp_path: Path) -> None:
    archive = DocumentArchive(str(tmp_path), EnvelopeCipher(Keyring.generate()))
    first, second = b"one", b"two"
    first_sha, second_sha = (hashlib.sha256(c).hexdigest() for c in (first, second))
    archive.store(first_sha, first)
    target = Path(archive.path_of(second_sha))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(Path(archive.path_of(first_sha)).read_bytes())
    # The damaged copy is replaced, not trusted, when the file is stored again.
    assert archive.store(second_sha, second)
    assert archive.read(second_sha) == second


def test_landing_lists_files_and_ignores_hidden_and_partial(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF-")
    (tmp_path / ".hidden").write_bytes(b"x")
    (tmp_path / "b.csv.partial-1").write_bytes(b"x")
    (tmp_path / "folder").mkdir()
    landing = LandingArea(str(tmp_path))
    (landed,) = landing.files()
    assert (landed.name, landed.size_bytes) == ("a.pdf", 5)
    assert landing.read(landed) == b"%PDF-"
    landing.remove(landed)
    assert landing.files() == []
    assert LandingArea(str(tmp_path / "missing")).files() == []
