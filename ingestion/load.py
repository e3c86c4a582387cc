"""Bulk, idempotent loading into raw tables: COPY into a temp table, then one merge.

Every loader ends here. Rows are streamed with `COPY ... FROM STDIN` (psycopg2
`copy_expert`) into a temp table and merged with one `INSERT ... ON CONFLICT`
in the caller's transaction, so a re-run or a resume after a kill changes no
row: a row is rewritten only when its change column (e.g. `updated_at`) moved.
Rejected records go to `quarantine.rejected_records` in the same transaction.
"""

from __future__ import annotations

import io
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    quarantine_reasons: Counter[str] = field(default_factory=Counter)
    new_watermark: str | None = None

    @property
    def rows_loaded(self) -> int:
        return self.rows_inserted + self.rows_updated

    @property
    def rows_unchanged(self) -> int:
        return self.rows_read - self.rows_loaded - self.rows_quarantined


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
) -> MergeCounts:
    """COPY `rows` into a temp copy of `target_table` and merge them on `key_columns`.

    Existing rows are updated only when `change_column` differs (or always, if
    it is None), so merging the same rows twice changes nothing.
    """
    schema, table = target_table.split(".")
    target = sql.Identifier(schema, table)
    column_list = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "create temp table incoming_rows (like {} including defaults) on commit drop"
            ).format(target)
        )
        cursor.copy_expert(
            sql.SQL("copy incoming_rows ({}) from stdin").format(column_list).as_string(cursor),
            _copy_text_stream(rows),
        )
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
        cursor.execute(
            sql.SQL(
                "insert into {target} as {alias} ({columns}) "
                "select {columns} from incoming_rows "
                "on conflict ({keys}) do update set {updates} {changed} "
                "returning (xmax = 0) as is_inserted"
            ).format(
                target=target,
                alias=sql.Identifier(table),
                columns=column_list,
                keys=sql.SQL(", ").join(sql.Identifier(key) for key in key_columns),
                updates=updates,
                changed=changed,
            )
        )
        flags = [row[0] for row in cursor.fetchall()]
        cursor.execute("drop table incoming_rows")
    inserted = sum(flags)
    return MergeCounts(inserted=inserted, updated=len(flags) - inserted)


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
            "rows_quarantined = %s, load_status = %s where load_id = %s",
            (
                datetime.now(UTC),
                result.rows_read,
                result.rows_loaded,
                result.rows_quarantined,
                load_status,
                str(result.load_id),
            ),
        )


def _copy_text_stream(rows: Iterable[Sequence[Any]]) -> io.StringIO:
    """Rows in COPY's text format: tab-separated, `\\N` for NULL, specials escaped."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text_value(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    return buffer


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)
