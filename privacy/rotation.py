"""Key rotation: a new active key, every stored token re-encrypted under it, old keys retired.

The steps of `wdp keys rotate`, each safe to repeat and safe to interrupt:

1. `with_new_active_key`: the ring gains a fresh key that encrypts from now on;
   old keys stay in the ring, so everything stored keeps decrypting (no downtime).
2. `reencrypt_warehouse`: every envelope token in the raw and quarantine schemas
   is decrypted and encrypted again under the active key, in batches, each batch
   its own transaction (a kill loses nothing: the rest is done on the next run).
   Columns are found by name (`*_encrypted` text columns, and `*_encrypted` keys
   inside jsonb documents); the encryption context of a column is
   `<schema>.<table>.<column without _encrypted>` (jsonb: `<schema>.<table>.<document>.<key>`),
   the convention every loader follows.
3. `key_ids_in_use` proves no token still names an old key; only then may
   `without_keys` drop the old keys from the ring.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from psycopg2 import sql
from psycopg2.extensions import connection as Connection
from psycopg2.extras import execute_values

from privacy.envelope import EnvelopeCipher
from privacy.errors import PrivacyError
from privacy.keyring import Keyring

ENCRYPTED_SUFFIX = "_encrypted"
SCHEMA_PATTERNS = ("raw\\_%", "quarantine")
BATCH_ROWS = 1_000


def with_new_active_key(keyring: Keyring) -> Keyring:
    """The ring plus a fresh key that becomes the active one; old keys are kept."""
    fresh = Keyring.generate()
    return replace(keyring, active_key_id=fresh.active_key_id, keys={**keyring.keys, **fresh.keys})


def without_keys(keyring: Keyring, retired_key_ids: set[str]) -> Keyring:
    if keyring.active_key_id in retired_key_ids:
        raise PrivacyError("The active key cannot be retired; rotate to a new key first.")
    return replace(
        keyring,
        keys={kid: key for kid, key in keyring.keys.items() if kid not in retired_key_ids},
    )


def save_keyring_file(path: Path, keyring: Keyring) -> None:
    """Replace the key-ring file atomically (0600): a crash leaves the old or the new ring."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".keyring-")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(keyring.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class EncryptedColumn:
    """A column holding envelope tokens: a text column, or a jsonb document of them."""

    schema: str
    table: str
    column: str
    is_document: bool

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass
class ReencryptionCounts:
    rows_rewritten: int = 0
    values_reencrypted: int = 0
    tables: dict[str, int] = field(default_factory=dict)


def encrypted_columns(connection: Connection) -> list[EncryptedColumn]:
    """Every `*_encrypted` text column and every jsonb column of the raw and quarantine schemas."""
    with connection.cursor() as cursor:
        cursor.execute(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns c "
            "join information_schema.tables t using (table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' "
            "and (table_schema like %s or table_schema like %s) "
            "and ((data_type = 'text' and column_name like %s) or data_type = 'jsonb') "
            "order by 1, 2, 3",
            (*SCHEMA_PATTERNS, f"%\\{ENCRYPTED_SUFFIX}"),
        )
        return [
            EncryptedColumn(schema, table, column, data_type == "jsonb")
            for schema, table, column, data_type in cursor.fetchall()
        ]


def reencrypt_warehouse(
    connection: Connection,
    keyring: Keyring,
    progress: Callable[[str], None] | None = None,
) -> ReencryptionCounts:
    """Re-encrypt every token not under the active key; commits batch by batch."""
    cipher = EnvelopeCipher(keyring)
    counts = ReencryptionCounts()
    by_table: dict[tuple[str, str], list[EncryptedColumn]] = {}
    for column in encrypted_columns(connection):
        by_table.setdefault((column.schema, column.table), []).append(column)
    for (schema, table), columns in by_table.items():
        typed_keys = _primary_key(connection, schema, table)
        keys = [name for name, _ in typed_keys]
        rewritten = 0
        for batch in _batches(connection, schema, table, keys, columns):
            updates = []
            for row in batch:
                key_values, values = row[: len(keys)], row[len(keys) :]
                new_values, changed = _reencrypt_row(cipher, keyring, columns, values)
                if changed:
                    updates.append((*key_values, *new_values))
                    counts.values_reencrypted += changed
            if updates:
                _write_batch(connection, schema, table, typed_keys, columns, updates)
                rewritten += len(updates)
            connection.commit()
        counts.tables[f"{schema}.{table}"] = rewritten
        counts.rows_rewritten += rewritten
        if progress and rewritten:
            progress(f"{schema}.{table}: {rewritten} rows re-encrypted")
    return counts


def key_ids_in_use(connection: Connection) -> set[str]:
    """Key ids named by any token still stored in the raw and quarantine schemas."""
    found: set[str] = set()
    for column in encrypted_columns(connection):
        with connection.cursor() as cursor:
            if column.is_document:
                # Tokens inside documents look like "v1.<key id>.<...>.<...>".
                cursor.execute(
                    sql.SQL(
                        "select distinct (regexp_matches({col}::text, "
                        "'\"v1\\.([A-Za-z0-9]+)\\.', 'g'))[1] from {tbl}"
                    ).format(
                        col=sql.Identifier(column.column),
                        tbl=sql.Identifier(column.schema, column.table),
                    )
                )
            else:
                cursor.execute(
                    sql.SQL(
                        "select distinct split_part({col}, '.', 2) from {tbl} "
                        "where {col} is not null"
                    ).format(
                        col=sql.Identifier(column.column),
                        tbl=sql.Identifier(column.schema, column.table),
                    )
                )
            found.update(row[0] for row in cursor.fetchall() if row[0])
    connection.rollback()
    return found


def _primary_key(connection: Connection, schema: str, table: str) -> list[tuple[str, str]]:
    """(column, type) of the table's primary key."""
    with connection.cursor() as cursor:
        cursor.execute(
            "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_index i "
            "join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) "
            "where i.indrelid = %s::regclass and i.indisprimary order by a.attnum",
            (f'"{schema}"."{table}"',),
        )
        keys = [(row[0], row[1]) for row in cursor.fetchall()]
    if not keys:
        raise PrivacyError(
            f"{schema}.{table} has encrypted columns but no primary key; add one so its "
            "tokens can be re-encrypted row by row."
        )
    return keys


def _batches(
    connection: Connection,
    schema: str,
    table: str,
    keys: list[str],
    columns: list[EncryptedColumn],
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows in primary-key order, BATCH_ROWS at a time (keyset pagination)."""
    key_list = sql.SQL(", ").join(sql.Identifier(key) for key in keys)
    selected = sql.SQL(", ").join(
        [*(sql.Identifier(key) for key in keys), *(sql.Identifier(c.column) for c in columns)]
    )
    last_key: tuple[Any, ...] | None = None
    while True:
        after = (
            sql.SQL("where ({}) > ({})").format(
                key_list, sql.SQL(", ").join(sql.Placeholder() * len(keys))
            )
            if last_key is not None
            else sql.SQL("")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("select {} from {} {} order by {} limit {}").format(
                    selected,
                    sql.Identifier(schema, table),
                    after,
                    key_list,
                    sql.Literal(BATCH_ROWS),
                ),
                last_key or (),
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last_key = tuple(rows[-1][: len(keys)])


def _reencrypt_row(
    cipher: EnvelopeCipher,
    keyring: Keyring,
    columns: list[EncryptedColumn],
    values: tuple[Any, ...],
) -> tuple[list[Any], int]:
    new_values: list[Any] = []
    changed = 0
    for column, value in zip(columns, values, strict=True):
        if value is None:
            new_values.append(None)
        elif column.is_document:
            document, count = _reencrypt_document(
                cipher, keyring, f"{column.qualified_table}.{column.column}", value
            )
            new_values.append(json.dumps(document))
            changed += count
        elif EnvelopeCipher.key_id_of(value) != keyring.active_key_id:
            context = f"{column.qualified_table}.{column.column[: -len(ENCRYPTED_SUFFIX)]}"
            new_values.append(cipher.encrypt(cipher.decrypt(value, context), context))
            changed += 1
        else:
            new_values.append(value)
    return new_values, changed


def _reencrypt_document(
    cipher: EnvelopeCipher, keyring: Keyring, context_prefix: str, document: Any
) -> tuple[Any, int]:
    if not isinstance(document, dict):
        return document, 0
    changed = 0
    result = dict(document)
    for key, value in document.items():
        if (
            key.endswith(ENCRYPTED_SUFFIX)
            and isinstance(value, str)
            and value.startswith("v1.")
            and EnvelopeCipher.key_id_of(value) != keyring.active_key_id
        ):
            context = f"{context_prefix}.{key[: -len(ENCRYPTED_SUFFIX)]}"
            result[key] = cipher.encrypt(cipher.decrypt(value, context), context)
            changed += 1
    return result, changed


def _write_batch(
    connection: Connection,
    schema: str,
    table: str,
    typed_keys: list[tuple[str, str]],
    columns: list[EncryptedColumn],
    updates: list[tuple[Any, ...]],
) -> None:
    names = [*(name for name, _ in typed_keys), *(c.column for c in columns)]
    casts = [
        sql.SQL("v.{}::jsonb").format(sql.Identifier(c.column))
        if c.is_document
        else sql.SQL("v.{}").format(sql.Identifier(c.column))
        for c in columns
    ]
    statement = sql.SQL(
        "update {tbl} as t set {sets} from (values %s) as v ({names}) where {match}"
    ).format(
        tbl=sql.Identifier(schema, table),
        sets=sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c.column), cast)
            for c, cast in zip(columns, casts, strict=True)
        ),
        names=sql.SQL(", ").join(sql.Identifier(name) for name in names),
        # VALUES rows arrive as text: cast each key back to its column type.
        match=sql.SQL(" and ").join(
            sql.SQL("t.{0} = v.{0}::{1}").format(sql.Identifier(name), sql.SQL(key_type))
            for name, key_type in typed_keys
        ),
    )
    with connection.cursor() as cursor:
        execute_values(cursor, statement.as_string(cursor), updates, page_size=BATCH_ROWS)
