"""Loads Segment-style event files (JSONL, one file per arrival day) into `raw_events.events`.

One call loads one file and records it in `audit.event_file_loads` (name,
sha256, line counts) in the transaction that writes its events:

- each line is parsed and checked on its own; a malformed line goes to the
  quarantine with its reason and `<file>@<sha256 prefix>:<line number>`, and the
  rest of the file loads;
- events are deduplicated on `messageId` (delivery is at least once): the first
  copy wins, so a replayed file or a duplicate in a later file changes nothing;
- late events (a `timestamp` days before the file's day) are loaded like any other;
- direct identifiers inside `traits`, `context` and `properties` (e-mail, IP ...)
  are replaced by `<key>_encrypted` envelope tokens, keys the classification does
  not know are dropped and counted, and `client_key` is computed for every known
  `userId`, so anonymous visits can be stitched to clients downstream through
  `anonymous_id`.

A file already recorded with the same sha256 is skipped unless `force=True`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from psycopg2.extensions import connection as Connection

from ingestion.load import (
    LoadResult,
    RejectedRecord,
    copy_insert_new,
    new_load_id,
    quarantine,
    record_load_end,
    record_load_start,
)
from privacy import EnvelopeCipher, Keyring, client_key
from privacy.classification import SOURCE_COLUMN_CLASSES, PiiClass

SOURCE_NAME = "events"
TARGET_TABLE = "raw_events.events"
EVENT_TYPES = frozenset({"track", "identify", "page"})
DOCUMENT_FIELDS = ("properties", "context", "traits")
EVENT_FILE_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})\.jsonl$")
TARGET_COLUMNS = (
    "message_id",
    "type",
    "event",
    "name",
    "user_id",
    "client_key",
    "anonymous_id",
    "timestamp",
    "received_at",
    "properties",
    "context",
    "traits",
    "_file_name",
    "_line_number",
    "_load_id",
    "_loaded_at",
)


@dataclass
class EventFileLoad(LoadResult):
    """What loading one event file did (a `LoadResult` plus the file's own counts)."""

    file_name: str = ""
    file_sha256: str = ""
    file_date: date | None = None
    is_skipped: bool = False
    events_duplicate: int = 0
    dropped_unclassified_keys: Counter[str] = field(default_factory=Counter)


class LineProblem(ValueError):
    """A line that cannot be loaded; its message is the quarantine reason (never its content)."""


def event_files(folder: Path) -> list[Path]:
    """The event files (`YYYY-MM-DD.jsonl`) of `folder`, oldest day first."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if EVENT_FILE_PATTERN.match(path.name))


def event_file_for(folder: Path, file_date: date) -> Path:
    """Where the file of `file_date` is (whether or not it arrived)."""
    return folder / f"{file_date.isoformat()}.jsonl"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pending_event_files(folder: Path, warehouse: Connection) -> list[Path]:
    """Files of `folder` not yet loaded with their current content (new or re-delivered)."""
    with warehouse.cursor() as cursor:
        cursor.execute(_sql_text("select_loaded_event_files.sql"))
        loaded = set(cursor.fetchall())
    warehouse.rollback()
    return [path for path in event_files(folder) if (path.name, file_sha256(path)) not in loaded]


def load_event_file(
    path: Path, warehouse: Connection, keyring: Keyring, *, force: bool = False
) -> EventFileLoad:
    """Load one event file into `raw_events.events`; see the module docstring."""
    content = path.read_bytes()
    result = EventFileLoad(
        load_id=new_load_id(),
        source_name=SOURCE_NAME,
        target_table=TARGET_TABLE,
        file_name=path.name,
        file_sha256=hashlib.sha256(content).hexdigest(),
        file_date=_file_date(path.name),
    )
    if not force and _is_loaded(warehouse, result.file_name, result.file_sha256):
        result.is_skipped = True
        return result

    cipher = EnvelopeCipher(keyring)
    record_load_start(warehouse, result)
    loaded_at = datetime.now(UTC)
    rows: dict[str, tuple[Any, ...]] = {}
    rejected: list[RejectedRecord] = []
    reference_prefix = f"{result.file_name}@{result.file_sha256[:12]}"
    for line_number, raw_line in enumerate(content.splitlines(), 1):
        if not raw_line.strip():
            continue
        result.rows_read += 1
        line = raw_line.decode("utf-8", errors="replace")
        try:
            message = parse_line(_strict_utf8(raw_line))
            row = to_raw_row(message, cipher, keyring.pepper, result.dropped_unclassified_keys)
        except LineProblem as problem:
            rejected.append(
                RejectedRecord(f"{reference_prefix}:{line_number}", str(problem), {"line": line})
            )
            continue
        # The first copy of a messageId in the file wins, as across files.
        rows.setdefault(
            message["messageId"],
            (*row, result.file_name, line_number, str(result.load_id), loaded_at),
        )

    try:
        result.rows_inserted = copy_insert_new(
            warehouse,
            target_table=TARGET_TABLE,
            columns=TARGET_COLUMNS,
            key_columns=("message_id",),
            rows=rows.values(),
        )
        result.rows_quarantined = quarantine(
            warehouse, cipher, load_id=result.load_id, source_name=SOURCE_NAME, records=rejected
        )
        result.quarantine_reasons.update(record.quarantine_reason for record in rejected)
        result.events_duplicate = result.rows_read - result.rows_quarantined - result.rows_inserted
        _record_file(warehouse, result, loaded_at)
        record_load_end(warehouse, result, "succeeded")
        warehouse.commit()
    except BaseException:
        warehouse.rollback()
        record_load_end(warehouse, result, "failed")
        warehouse.commit()
        raise
    return result


def parse_line(line: str) -> dict[str, Any]:
    """One JSON line as a Segment message, or `LineProblem` with the reason it is not one."""
    if "\\u0000" in line:
        raise LineProblem("line holds a NUL character (\\u0000), which Postgres cannot store")
    try:
        message = json.loads(line)
    except json.JSONDecodeError as error:
        # error.msg names the syntax problem and never quotes the line (which may hold PII).
        raise LineProblem(f"line is not valid JSON: {error.msg}") from None
    if not isinstance(message, dict):
        raise LineProblem("line is not a JSON object")
    message_id = message.get("messageId")
    if not isinstance(message_id, str) or not message_id.strip():
        raise LineProblem("messageId is missing")
    event_type = message.get("type")
    if event_type not in EVENT_TYPES:
        shown = str(event_type)[:20]
        raise LineProblem(f"type {shown!r} is not track, identify or page")
    for id_field in ("userId", "anonymousId"):
        if message.get(id_field) is not None and not isinstance(message[id_field], str):
            raise LineProblem(f"{id_field} is not a string")
    if not message.get("userId") and not message.get("anonymousId"):
        raise LineProblem("neither userId nor anonymousId is set")
    if event_type == "track" and not isinstance(message.get("event"), str):
        raise LineProblem("track message has no event name")
    if event_type == "identify" and not message.get("userId"):
        raise LineProblem("identify message has no userId")
    message["timestamp"] = _parse_time(message.get("timestamp"), "timestamp", required=True)
    message["receivedAt"] = _parse_time(message.get("receivedAt"), "receivedAt", required=False)
    for document_field in DOCUMENT_FIELDS:
        if message.get(document_field) is not None and not isinstance(
            message[document_field], dict
        ):
            raise LineProblem(f"{document_field} is not a JSON object")
    return message


def to_raw_row(
    message: dict[str, Any],
    cipher: EnvelopeCipher,
    pepper: bytes,
    dropped_keys: Counter[str],
) -> tuple[Any, ...]:
    """The `raw_events.events` columns of a parsed message (without the load columns)."""
    user_id = message.get("userId") or None
    documents = [
        _protect_document(message.get(document_field), document_field, cipher, dropped_keys)
        for document_field in DOCUMENT_FIELDS
    ]
    return (
        message["messageId"],
        message["type"],
        message.get("event"),
        message.get("name"),
        user_id,
        client_key(pepper, user_id) if user_id else None,
        message.get("anonymousId") or None,
        message["timestamp"],
        message["receivedAt"],
        *documents,
    )


def _protect_document(
    document: dict[str, Any] | None,
    document_field: str,
    cipher: EnvelopeCipher,
    dropped_keys: Counter[str],
) -> dict[str, Any] | None:
    """Encrypt direct identifiers, keep classified keys, drop (and count) the others."""
    if document is None:
        return None
    classes = SOURCE_COLUMN_CLASSES[f"events.{document_field}"]
    protected: dict[str, Any] = {}
    for key, value in document.items():
        pii_class = classes.get(key)
        if pii_class is None:
            dropped_keys[f"{document_field}.{key}"] += 1
        elif pii_class is PiiClass.DIRECT_IDENTIFIER:
            if value is not None:
                context = f"{TARGET_TABLE}.{document_field}.{key}"
                text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
                protected[f"{key}_encrypted"] = cipher.encrypt(text, context)
        else:
            protected[key] = value
    return protected


def _strict_utf8(raw_line: bytes) -> str:
    try:
        return raw_line.decode("utf-8")
    except UnicodeDecodeError:
        raise LineProblem("line is not UTF-8 text") from None


def _parse_time(value: Any, field_name: str, *, required: bool) -> datetime | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise LineProblem(f"{field_name} is missing")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise LineProblem(f"{field_name} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise LineProblem(f"{field_name} has no time zone")
    return moment


def _file_date(file_name: str) -> date | None:
    matched = EVENT_FILE_PATTERN.match(file_name)
    if not matched:
        return None
    try:
        return date.fromisoformat(matched.group(1))
    except ValueError:
        return None


def _is_loaded(warehouse: Connection, file_name: str, sha256: str) -> bool:
    with warehouse.cursor() as cursor:
        cursor.execute(
            _sql_text("select_event_file_is_loaded.sql"),
            {"file_name": file_name, "file_sha256": sha256},
        )
        (is_loaded,) = cursor.fetchone()
    warehouse.rollback()
    return bool(is_loaded)


def _record_file(warehouse: Connection, result: EventFileLoad, loaded_at: datetime) -> None:
    with warehouse.cursor() as cursor:
        cursor.execute(
            _sql_text("insert_event_file_load.sql"),
            {
                "file_name": result.file_name,
                "file_sha256": result.file_sha256,
                "file_date": result.file_date,
                "lines_read": result.rows_read,
                "events_inserted": result.rows_inserted,
                "events_duplicate": result.events_duplicate,
                "lines_quarantined": result.rows_quarantined,
                "load_id": str(result.load_id),
                "loaded_at": loaded_at,
            },
        )


def _sql_text(file_name: str) -> str:
    return files("ingestion.events").joinpath("sql", file_name).read_text()


def load_event_files(
    paths: Iterable[Path], warehouse: Connection, keyring: Keyring
) -> list[EventFileLoad]:
    """Load several files, oldest first, each in its own transaction."""
    return [load_event_file(path, warehouse, keyring) for path in sorted(paths)]
