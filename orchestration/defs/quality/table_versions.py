"""Versions of table contents, for skipping work whose input did not change.

A table's version is its row count with the sum and the maximum of its tuples'
inserting transaction ids (`xmin`): Postgres writes every inserted or updated
row as a new tuple stamped with the writing transaction's id, and a delete
lowers the count, so any write — a loader's merge, a replication delete, or a
hand-made `update` in psql — changes the version, while a load that changed no
row (the merges skip rows whose `_row_sha256` is unchanged) leaves it as it
was. It costs one sequential scan of the table, far less than the dbt models
or Great Expectations suites it lets us skip. A missing table has no version
(`None`), which never equals a recorded one.
"""

from collections.abc import Iterable
from pathlib import Path

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

_VERSION_SQL = (Path(__file__).parent / "sql" / "table_version.sql").read_text


def table_version(connection: Connection, schema: str, table: str) -> str | None:
    """`rows:xmin_sum:xmin_max` of `schema.table`, or None if the table does not exist."""
    with connection.cursor() as cursor:
        name = sql.Identifier(schema, table)
        cursor.execute("select to_regclass(%s) is not null", (name.as_string(connection),))
        (exists,) = cursor.fetchone()
        if not exists:
            connection.rollback()
            return None
        query = sql.SQL(_VERSION_SQL()).format(table=name)
        cursor.execute(query)
        row_count, xmin_sum, xmin_max = cursor.fetchone()
    connection.rollback()  # read only: end the snapshot, hold no lock
    return f"{row_count}:{xmin_sum}:{xmin_max}"


def table_versions(
    connection: Connection, tables: Iterable[tuple[str, str]]
) -> dict[str, str | None]:
    """`{"schema.table": version}` for each `(schema, table)`."""
    return {
        f"{schema}.{table}": table_version(connection, schema, table)
        for schema, table in sorted(set(tables))
    }
