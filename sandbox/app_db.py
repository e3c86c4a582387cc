"""Writes the sandbox's `app` database (the product's application database stand-in).

The schema lives in `sql/app_schema.sql`; rows are bulk-loaded with `COPY ... FROM
STDIN` (psycopg2 `copy_expert`), in primary-key order, inside one transaction, so a
world either replaces the previous one completely or not at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from importlib import resources

# COPY's NULL marker: never a legal value of any column, unlike the empty string.
COPY_NULL = r"\N"

# COPY is streamed in chunks so memory stays flat for millions of rows.
COPY_CHUNK_ROWS = 50_000


def app_schema_sql() -> str:
    """The DDL that drops and recreates the sandbox's app tables."""
    return resources.files("sandbox").joinpath("sql/app_schema.sql").read_text("utf-8")


def _csv_text(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(COPY_NULL if value is None else value for value in row)
    return buffer.getvalue()


def copy_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY `rows` into `table`; returns the number of rows copied.

    `table` and `columns` come from this package's own constants, never from input,
    which is why composing them into the statement is safe.
    """
    statement = (
        f"copy {table} ({', '.join(columns)}) from stdin with (format csv, null '{COPY_NULL}')"
    )
    copied = 0
    chunk: list[Sequence[object]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= COPY_CHUNK_ROWS:
            cursor.copy_expert(statement, io.StringIO(_csv_text(chunk)))
            copied += len(chunk)
            chunk = []
    if chunk:
        cursor.copy_expert(statement, io.StringIO(_csv_text(chunk)))
        copied += len(chunk)
    return copied


def write_app_database(
    database_url: str, tables: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]
) -> dict[str, int]:
    """Recreate the app schema at `database_url` and load `tables` (name, columns, rows).

    Returns rows loaded per table. One transaction: on any error nothing changes.
    """
    import psycopg2  # imported here: building a world without a database needs no driver

    connection = psycopg2.connect(database_url)
    try:
        with connection, connection.cursor() as cursor:
            # A stable session time zone keeps timestamptz text round-trips identical.
            cursor.execute("set local time zone 'UTC'")
            cursor.execute(app_schema_sql())
            return {
                table: copy_rows(cursor, table, columns, rows) for table, columns, rows in tables
            }
    finally:
        connection.close()
