"""Incremental replication of one application-database table into `raw_app`.

Every app table is described by a small `AppTableSpec` (its key, its change
column, which of its columns name a client, which keep a last-4 in clear, and
an optional validation); the columns and which of them are encrypted come from
`privacy.classification`, and the source query from `sql/select_<table>.sql`.
`replicate_table` then does the same thing for every table:

1. Read the table's watermark (`audit.load_watermarks`). None: this is the first
   run, so every row is read (a full copy). Otherwise read only rows whose
   `updated_at` is at or after the watermark minus a safety overlap: a row
   written by a transaction that committed after our last read, but stamped
   earlier, is still picked up. Re-read rows whose `updated_at` did not move
   are not rewritten (`copy_merge`), so the overlap costs reads, not writes.
2. Encrypt direct identifiers, add `client_key`, quarantine invalid rows, and
   merge the rest on the key.
3. Detect rows deleted in the source by comparing every source key with the raw
   table (a watermark never sees a row that is gone) and stamp them
   `_deleted_in_source_at` (kept, like a soft delete; a key that comes back is
   un-stamped). Soft deletes arrive as ordinary updates of `deleted_at`.
4. Save the new watermark (the greatest `updated_at` read) in the same
   transaction as the data, so a crash leaves both as they were.

The source is read in one REPEATABLE READ transaction, so the changed rows and
the key list come from the same snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from importlib.resources import files
from typing import Any

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from ingestion.load import (
    LoadResult,
    RejectedRecord,
    copy_merge,
    mark_missing_keys_deleted,
    new_load_id,
    quarantine,
    read_watermark,
    record_load_end,
    record_load_start,
    save_watermark,
)
from privacy import EnvelopeCipher, Keyring, client_key, direct_identifiers, last4
from privacy.classification import SOURCE_COLUMN_CLASSES

DEFAULT_SAFETY_OVERLAP = timedelta(minutes=15)
"""How far before the watermark each incremental read starts (longest expected
source transaction plus clock skew between the app's servers)."""

FETCH_BATCH_ROWS = 5_000

RowValidation = Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True)
class AppTableSpec:
    """How one table of the application database is replicated into `raw_app`."""

    source_table: str
    key_column: str
    change_column: str = "updated_at"
    client_id_column: str | None = "client_id"
    """Column holding the source client id; the loader adds its `client_key` beside it."""
    last4_columns: tuple[str, ...] = ()
    """Encrypted columns whose last four digits are also kept in clear (`<column>_last4`)."""
    validate: RowValidation | None = None
    detect_deletes: bool = True

    @property
    def source_name(self) -> str:
        return f"app.{self.source_table}"

    @property
    def target_table(self) -> str:
        return f"raw_app.{self.source_table}"

    @property
    def source_columns(self) -> tuple[str, ...]:
        """The columns read, as classified in `privacy.classification` (the single list)."""
        return tuple(SOURCE_COLUMN_CLASSES[self.source_name])

    @property
    def encrypted_columns(self) -> tuple[str, ...]:
        return direct_identifiers(self.source_name)

    @cached_property
    def target_columns(self) -> tuple[str, ...]:
        columns: list[str] = []
        for column in self.source_columns:
            if column in self.encrypted_columns:
                columns.append(f"{column}_encrypted")
            else:
                columns.append(column)
            if column in self.last4_columns:
                columns.append(f"{column}_last4")
            if column == self.client_id_column:
                columns.append("client_key")
        return (*columns, "_load_id", "_loaded_at")

    def source_query(self) -> str:
        return (
            files("ingestion.app_db").joinpath("sql", f"select_{self.source_table}.sql").read_text()
        )

    def keys_query(self) -> sql.Composed:
        template = files("ingestion.app_db").joinpath("sql", "select_keys.sql").read_text()
        return sql.SQL(template).format(
            key_column=sql.Identifier(self.key_column),
            source_table=sql.Identifier(self.source_table),
        )


def replicate_table(
    spec: AppTableSpec,
    source: Connection,
    warehouse: Connection,
    keyring: Keyring,
    *,
    safety_overlap: timedelta = DEFAULT_SAFETY_OVERLAP,
    full_refresh: bool = False,
) -> LoadResult:
    """Bring `spec.target_table` up to date with the source table; see the module docstring.

    `full_refresh` ignores the watermark and reads every row (a repair after a
    source restore); the merge still rewrites only rows whose change column moved.
    """
    cipher = EnvelopeCipher(keyring)
    result = LoadResult(
        load_id=new_load_id(), source_name=spec.source_name, target_table=spec.target_table
    )
    record_load_start(warehouse, result)
    loaded_at = datetime.now(UTC)
    rejected: list[RejectedRecord] = []
    greatest_change: list[datetime] = []

    try:
        previous_watermark = None if full_refresh else read_watermark(warehouse, spec.source_name)
        changed_since = previous_watermark - safety_overlap if previous_watermark else None
        result.is_full_read = changed_since is None
        result.previous_watermark = _iso(previous_watermark)

        def accepted_rows() -> Iterator[tuple[Any, ...]]:
            for record in _read_changed_rows(source, spec, changed_since):
                result.rows_read += 1
                changed_at = record.get(spec.change_column)
                if isinstance(changed_at, datetime) and (
                    not greatest_change or changed_at > greatest_change[0]
                ):
                    greatest_change[:] = [changed_at]
                reason = validation_problem(spec, record)
                if reason:
                    reference = str(record.get(spec.key_column) or "?")
                    rejected.append(RejectedRecord(reference, reason, record))
                    continue
                yield _to_raw_row(spec, record, cipher, keyring.pepper, result, loaded_at)

        _begin_snapshot(source)
        counts = copy_merge(
            warehouse,
            target_table=spec.target_table,
            columns=spec.target_columns,
            key_columns=(spec.key_column,),
            rows=accepted_rows(),
            change_column=spec.change_column,
        )
        result.rows_inserted, result.rows_updated = counts.inserted, counts.updated
        if spec.detect_deletes:
            deletions = mark_missing_keys_deleted(
                warehouse,
                target_table=spec.target_table,
                key_column=spec.key_column,
                source_keys=_read_keys(source, spec),
            )
            result.rows_deleted = deletions.marked_deleted
            result.rows_restored = deletions.restored
        source.rollback()
        result.rows_quarantined = quarantine(
            warehouse,
            cipher,
            load_id=result.load_id,
            source_name=spec.source_name,
            records=rejected,
        )
        result.quarantine_reasons.update(record.quarantine_reason for record in rejected)
        new_watermark = max(
            (moment for moment in (previous_watermark, *greatest_change) if moment is not None),
            default=None,
        )
        if new_watermark is not None:
            save_watermark(warehouse, spec.source_name, new_watermark, result.load_id)
        result.new_watermark = _iso(new_watermark)
        record_load_end(warehouse, result, "succeeded")
        warehouse.commit()
    except BaseException:
        source.rollback()
        warehouse.rollback()
        record_load_end(warehouse, result, "failed")
        warehouse.commit()
        raise
    return result


def validation_problem(spec: AppTableSpec, record: dict[str, Any]) -> str | None:
    """Why a source row cannot be loaded (checks every table needs, then the table's own)."""
    if record.get(spec.key_column) in (None, ""):
        return f"{spec.key_column} is empty"
    if record.get(spec.change_column) is None:
        return f"{spec.change_column} is missing"
    if spec.client_id_column and record.get(spec.client_id_column) in (None, ""):
        return f"{spec.client_id_column} is empty"
    return spec.validate(record) if spec.validate else None


def _begin_snapshot(source: Connection) -> None:
    """Start a REPEATABLE READ transaction: changed rows and keys from one snapshot."""
    source.rollback()
    with source.cursor() as cursor:
        cursor.execute("set transaction isolation level repeatable read")


def _read_changed_rows(
    source: Connection, spec: AppTableSpec, changed_since: datetime | None
) -> Iterator[dict[str, Any]]:
    # A named (server-side) cursor streams the table instead of holding it in memory.
    with source.cursor(name=f"read_app_{spec.source_table}") as cursor:
        cursor.itersize = FETCH_BATCH_ROWS
        cursor.execute(spec.source_query(), {"changed_since": changed_since})
        names: list[str] = []
        for row in cursor:
            # A named cursor knows its columns only once the first batch arrived.
            names = names or [column.name for column in cursor.description]
            yield dict(zip(names, row, strict=True))


def _read_keys(source: Connection, spec: AppTableSpec) -> Iterator[Any]:
    with source.cursor(name=f"read_app_{spec.source_table}_keys") as cursor:
        cursor.itersize = FETCH_BATCH_ROWS * 10
        cursor.execute(spec.keys_query())
        for (key,) in cursor:
            yield key


def _to_raw_row(
    spec: AppTableSpec,
    record: dict[str, Any],
    cipher: EnvelopeCipher,
    pepper: bytes,
    result: LoadResult,
    loaded_at: datetime,
) -> tuple[Any, ...]:
    values: list[Any] = []
    for column in spec.source_columns:
        value = record[column]
        if column in spec.encrypted_columns:
            # The column is the encryption context: a token copied elsewhere does not decrypt.
            context = f"{spec.target_table}.{column}"
            values.append(None if value is None else cipher.encrypt(_as_text(value), context))
        else:
            values.append(value)
        if column in spec.last4_columns:
            values.append(None if value is None else last4(str(value)))
        if column == spec.client_id_column:
            values.append(client_key(pepper, str(value)))
    return (*values, str(result.load_id), loaded_at)


def _as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
