"""Bulk, idempotent loading into raw tables: COPY into a temp table, then one merge.

Every loader ends here. Rows are streamed with `COPY ... FROM STDIN` (psycopg2
`copy_expert`) into a temp table and merged with one `INSERT ... ON CONFLICT`
in the caller's transaction, so a re-run or a resume after a kill changes no
row: a row is rewritten only when its change column (e.g. `updated_at`) moved.
Rejected records go to `quarantine.rejected_records` in the same transaction.

Append-only sources (events) use `copy_insert_new` instead: a key already
present is kept as first received. Replicated sources whose rows can vanish use
`mark_missing_keys_deleted` (key comparison), and incremental loaders keep their
high-water mark in `audit.load_watermarks` with `read_watermark` /
`save_watermark`, in the transaction that writes the data.
"""

from __future__ import annotations

import io
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.resources import files
from typing import Any

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from privacy import EnvelopeCipher


@dataclass(frozen=True)
class RejectedRecord:
    """A source record the loader could not accept, and why."""

    source_reference: str
    quarantine_reason: str
    payload: dict[str, Any] | None = None


@dataclass(frozen=True)
class MergeCounts:
    """Rows a merge inserted and rows it rewrote because their change column moved."""

    inserted: int
    updated: int


@dataclass
class LoadResult:
    """What one loader run did; the Dagster asset reports it as metadata."""

    load_id: uuid.UUID
    source_name: str
    target_table: str
    rows_read: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_quarantined: int = 0
    rows_deleted: int = 0
    rows_restored: int = 0
    quarantine_reasons: Counter[str] = field(default_factory=Counter)
    new_watermark: str | None = None
    previous_watermark: str | None = None
    is_full_read: bool = True

    @property
    def rows_loaded(self) -> int:
        return self.rows_inserted + self.rows_updated

    @property
    def rows_unchanged(self) -> int:
        return self.rows_read - self.rows_loaded - self.rows_quarantined

    @property
    def rows_moved(self) -> int:
        """Rows this run changed in the target: inserted, updated, marked deleted or restored."""
        return self.rows_inserted + self.rows_updated + self.rows_deleted + self.rows_restored


def new_load_id() -> uuid.UUID:
    return uuid.uuid4()


def copy_merge(
    connection: Connection,
    *,
    target_table: str,
    columns: Sequence[str],
    key_columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    change_column: str | None,
    unstorable_rows: list[Sequence[Any]] | None = None,
) -> MergeCounts:
    """COPY `rows` into a temp copy of `target_table` and merge them on `key_columns`.

    Existing rows are updated only when `change_column` differs (or always, if
    it is None), so merging the same rows twice changes nothing. Rows Postgres
    cannot store (a NUL in a text) are left out and appended to `unstorable_rows`
    for the caller to quarantine; without that list they raise `UnstorableTextError`.
    """
    schema, table = target_table.split(".")
    target = sql.Identifier(schema, table)
    column_list = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    with connection.cursor() as cursor:
        _stage_rows(cursor, target, column_list, rows, unstorable_rows)
        updates = sql.SQL(", ").join(
            sql.SQL("{0} = excluded.{0}").format(sql.Identifier(column))
            for column in columns
            if column not in key_columns
        )
        changed = (
            sql.SQL("where {}.{} is distinct from excluded.{}").format(
                sql.Identifier(table), sql.Identifier(change_column), sql.Identifier(change_column)
            )
            if change_column
            else sql.SQL("")
        )
        # Counted in the server: returning a flag per row to Python cost a round of
        # 20,000-row result sets per Plaid batch for two numbers.
        cursor.execute(
            sql.SQL(
                "with merged as ("
                "insert into {target} as {alias} ({columns}) "
                "select {columns} from incoming_rows "
                "on conflict ({keys}) do update set {updates} {changed} "
                "returning (xmax = 0) as is_inserted) "
                "select count(*) filter (where is_inserted), count(*) from merged"
            ).format(
                target=target,
                alias=sql.Identifier(table),
                columns=column_list,
                keys=sql.SQL(", ").join(sql.Identifier(key) for key in key_columns),
                updates=updates,
                changed=changed,
            )
        )
        inserted, merged = cursor.fetchone()
        cursor.execute("drop table incoming_rows")
    return MergeCounts(inserted=inserted, updated=merged - inserted)


def copy_insert_new(
    connection: Connection,
    *,
    target_table: str,
    columns: Sequence[str],
    key_columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """COPY `rows` into a temp copy of `target_table` and insert those whose key is new.

    For append-only sources delivered at least once (events): the first copy of a
    key wins and later copies, in the same batch or a later one, change nothing.
    Returns the number of rows inserted.
    """
    schema, table = target_table.split(".")
    target = sql.Identifier(schema, table)
    column_list = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    with connection.cursor() as cursor:
        _stage_rows(cursor, target, column_list, rows)
        cursor.execute(
            sql.SQL(
                "insert into {target} ({columns}) select {columns} from incoming_rows "
                "on conflict ({keys}) do nothing"
            ).format(
                target=target,
                columns=column_list,
                keys=sql.SQL(", ").join(sql.Identifier(key) for key in key_columns),
            )
        )
        inserted = cursor.rowcount
        cursor.execute("drop table incoming_rows")
    return inserted


class UnsafeDeletionError(RuntimeError):
    """Key comparison would mark every row of a table deleted: the source read is not trusted."""


@dataclass(frozen=True)
class DeletionCounts:
    """Rows found gone from the source in this run, and rows that came back."""

    marked_deleted: int
    restored: int


def mark_missing_keys_deleted(
    connection: Connection,
    *,
    target_table: str,
    key_column: str,
    source_keys: Iterable[Any],
) -> DeletionCounts:
    """Stamp `_deleted_in_source_at` on rows whose key is not among `source_keys` (all keys).

    This is how hard deletes in a replicated source are detected: a watermark
    never sees a row that is gone. The row is kept (raw holds what was received)
    and a key that reappears in the source is un-stamped. An empty key list
    against a non-empty table is refused: a wrong database or an empty replica
    must not mark the warehouse deleted.
    """
    schema, table = target_table.split(".")
    target = sql.Identifier(schema, table)
    key = sql.Identifier(key_column)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "create temp table source_keys on commit drop as select {key} from {target} "
                "with no data"
            ).format(key=key, target=target)
        )
        cursor.copy_expert(
            sql.SQL("copy source_keys ({}) from stdin").format(key).as_string(cursor),
            _copy_text_stream((value,) for value in source_keys),
        )
        cursor.execute("select count(*) from source_keys")
        (source_key_count,) = cursor.fetchone()
        if source_key_count == 0:
            cursor.execute(sql.SQL("select exists (select from {})").format(target))
            (target_has_rows,) = cursor.fetchone()
            if target_has_rows:
                raise UnsafeDeletionError(
                    f"The source of {target_table} returned no keys, which would mark every "
                    "row deleted; check that the loader reads the right database, then run again."
                )
        # Fresh statistics let the planner hash-join the key list instead of looping.
        cursor.execute("analyze source_keys")
        cursor.execute(
            sql.SQL(
                "update {target} as t set _deleted_in_source_at = now() "
                "where t._deleted_in_source_at is null "
                "and not exists (select from source_keys as s where s.{key} = t.{key})"
            ).format(target=target, key=key)
        )
        marked_deleted = cursor.rowcount
        cursor.execute(
            sql.SQL(
                "update {target} as t set _deleted_in_source_at = null "
                "where t._deleted_in_source_at is not null "
                "and exists (select from source_keys as s where s.{key} = t.{key})"
            ).format(target=target, key=key)
        )
        restored = cursor.rowcount
        cursor.execute("drop table source_keys")
    return DeletionCounts(marked_deleted=marked_deleted, restored=restored)


def read_watermark(connection: Connection, source_name: str) -> datetime | None:
    """The high-water mark of `source_name`'s last successful load, or None before the first."""
    with connection.cursor() as cursor:
        cursor.execute(_sql_text("read_watermark.sql"), {"source_name": source_name})
        row = cursor.fetchone()
    return row[0] if row else None


def save_watermark(
    connection: Connection, source_name: str, watermark_at: datetime, load_id: uuid.UUID
) -> None:
    """Store the new high-water mark; call it in the transaction that writes the data."""
    with connection.cursor() as cursor:
        cursor.execute(
            _sql_text("save_watermark.sql"),
            {
                "source_name": source_name,
                "watermark_at": watermark_at,
                "load_id": str(load_id),
                "saved_at": datetime.now(UTC),
            },
        )


def quarantine(
    connection: Connection,
    cipher: EnvelopeCipher,
    *,
    load_id: uuid.UUID,
    source_name: str,
    records: Iterable[RejectedRecord],
) -> int:
    """Record rejected records (payload encrypted); a record already quarantined is kept once."""
    count = 0
    with connection.cursor() as cursor:
        for record in records:
            payload = (
                cipher.encrypt(
                    json.dumps(record.payload, default=str, sort_keys=True),
                    "quarantine.rejected_records.payload",
                )
                if record.payload is not None
                else None
            )
            cursor.execute(
                "insert into quarantine.rejected_records "
                "(load_id, source_name, source_reference, quarantine_reason, payload_encrypted) "
                "values (%s, %s, %s, %s, %s) "
                "on conflict (source_name, source_reference, quarantine_reason) do nothing",
                (
                    str(load_id),
                    source_name,
                    record.source_reference,
                    record.quarantine_reason,
                    payload,
                ),
            )
            count += 1
    return count


def record_load_start(connection: Connection, result: LoadResult) -> None:
    """Write the run's row in `audit.load_runs` and commit it, so even a crash leaves a trace."""
    with connection.cursor() as cursor:
        cursor.execute(
            "insert into audit.load_runs (load_id, source_name, target_table, started_at) "
            "values (%s, %s, %s, %s)",
            (str(result.load_id), result.source_name, result.target_table, datetime.now(UTC)),
        )
    connection.commit()


def record_load_end(connection: Connection, result: LoadResult, load_status: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "update audit.load_runs set finished_at = %s, rows_read = %s, rows_loaded = %s, "
            "rows_quarantined = %s, rows_deleted = %s, load_status = %s where load_id = %s",
            (
                datetime.now(UTC),
                result.rows_read,
                result.rows_loaded,
                result.rows_quarantined,
                result.rows_deleted,
                load_status,
                str(result.load_id),
            ),
        )


def _sql_text(file_name: str) -> str:
    return files("ingestion").joinpath("sql", file_name).read_text()


def _stage_rows(
    cursor: Any,
    target: sql.Composable,
    column_list: sql.Composable,
    rows: Iterable[Sequence[Any]],
    unstorable_rows: list[Sequence[Any]] | None = None,
) -> None:
    """COPY `rows` into `incoming_rows`, a temp copy of `target` dropped at commit."""
    cursor.execute(
        sql.SQL(
            "create temp table incoming_rows (like {} including defaults) on commit drop"
        ).format(target)
    )
    cursor.copy_expert(
        sql.SQL("copy incoming_rows ({}) from stdin").format(column_list).as_string(cursor),
        _copy_text_stream(rows, unstorable_rows),
    )


class UnstorableTextError(ValueError):
    """A value holds a NUL character, which no Postgres text (or jsonb) value can store."""


UNSTORABLE_NUL_REASON = "text field holds a NUL (\\x00) character, which Postgres cannot store"


def _copy_text_stream(
    rows: Iterable[Sequence[Any]], rejected: list[Sequence[Any]] | None = None
) -> io.StringIO:
    """Rows in COPY's text format: tab-separated, `\\N` for NULL, specials escaped.

    A row with a NUL character in a value is appended to `rejected` and left
    out (Postgres text cannot hold NUL: the whole COPY would fail with
    CharacterNotInRepertoire); without a `rejected` list it raises
    `UnstorableTextError` before anything is sent.
    """
    lines = []
    append = lines.append
    for row in rows:
        line = _copy_text_line(row)
        if line is None:
            if rejected is None:
                raise UnstorableTextError(f"{UNSTORABLE_NUL_REASON}; nothing was written")
            rejected.append(row)
            continue
        append(line)
    if lines:
        lines.append("")
    return io.StringIO("\n".join(lines))


def _copy_text_line(row: Sequence[Any]) -> str | None:
    """One row's COPY text line (no newline), or None if a value holds a NUL.

    Why not `_copy_text_value` per value: escaping every string costs more than
    the rest of a Plaid load (profile in docs/benchmarks.md). Most rows have no
    character to escape, which a few C-level scans of the joined line prove: as
    many tabs as separators, as many backslashes as NULLs (`\\N`), no
    newline, carriage return or NUL. Only other rows take the per-value path.
    """
    texts = [value if type(value) is str else _copy_raw_text(value) for value in row]
    line = "\t".join(texts)
    if (
        line.count("\t") == len(texts) - 1
        and "\n" not in line
        and "\r" not in line
        and "\x00" not in line
        and line.count("\\") == row.count(None)
    ):
        return line
    if any(_holds_nul(value) for value in row):
        return None
    return "\t".join(_copy_text_value(value) for value in row)


def _holds_nul(value: Any) -> bool:
    """Whether a NUL is in `value` or, for JSON and arrays, in any string within it."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


def _copy_raw_text(value: Any) -> str:
    """COPY text of a non-`str` value before escaping (`\\N` for NULL)."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    if isinstance(value, list | tuple):
        return _array_literal(value)
    return str(value)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict):
        # jsonb: compact JSON; its backslashes and newlines are escaped for COPY below.
        return json.dumps(value, separators=(",", ":"), sort_keys=True).translate(_COPY_ESCAPES)
    if isinstance(value, list | tuple):
        return _array_literal(value).translate(_COPY_ESCAPES)
    return str(value).translate(_COPY_ESCAPES)


def _array_literal(values: Sequence[Any]) -> str:
    """A one-dimensional Postgres array literal: every element quoted, NULL unquoted."""
    elements = (
        "NULL"
        if element is None
        else '"' + str(element).replace("\\", "\\\\").replace('"', '\\"') + '"'
        for element in values
    )
    return "{" + ",".join(elements) + "}"
