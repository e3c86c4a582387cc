"""What a drill counts: every raw row by its key, the marts' content, and the sandbox truth.

A `RowLedger` holds, per raw table (every table of the `raw_*` schemas, and
`quarantine.rejected_records`), the set of its rows' keys — the primary key,
or for the quarantine its unique (source, reference, reason). Comparing the
ledger after a drill with the ledger of the clean run gives

- rows lost: keys of the clean run that are missing now;
- rows duplicated: keys that the clean run does not have (a row loaded twice
  under another key, a second quarantine entry for one file, ...), beyond the
  new rows a drill expects, plus any key held by more than one row.

The truth check compares the raw tables with the sandbox's truth files directly
(clients, accounts, documents by sha256 with their archived file), so a loss
that also happened in the clean run cannot hide.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from psycopg2 import sql

from bench.throwaway_platform import ThrowawayPlatform

_KEY_COLUMNS_SQL = """
select n.nspname, c.relname, array_agg(a.attname order by k.ordinality)
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
cross join lateral unnest(con.conkey) with ordinality as k(attnum, ordinality)
join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
where con.contype = 'p' and (n.nspname like 'raw\\_%%')
group by n.nspname, c.relname
order by 1, 2
"""

QUARANTINE_KEY = ("source_name", "source_reference", "quarantine_reason")


@dataclass(frozen=True)
class LedgerDifference:
    lost: dict[str, int]
    duplicated: dict[str, int]

    @property
    def rows_lost(self) -> int:
        return sum(self.lost.values())

    @property
    def rows_duplicated(self) -> int:
        return sum(self.duplicated.values())

    def describe(self) -> str:
        parts = [f"lost {table}: {n}" for table, n in self.lost.items() if n]
        parts += [f"extra {table}: {n}" for table, n in self.duplicated.items() if n]
        return "; ".join(parts) or "identical"


@dataclass(frozen=True)
class RowLedger:
    keys: dict[str, frozenset[tuple]]
    rows: dict[str, int]

    @classmethod
    def read(cls, platform: ThrowawayPlatform) -> RowLedger:
        keys: dict[str, frozenset[tuple]] = {}
        rows: dict[str, int] = {}
        tables = [
            (schema, table, tuple(columns))
            for schema, table, columns in platform.query(_KEY_COLUMNS_SQL)
        ]
        tables.append(("quarantine", "rejected_records", QUARANTINE_KEY))
        for schema, table, columns in tables:
            statement = sql.SQL("select {} from {}.{}").format(
                sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns),
                sql.Identifier(schema),
                sql.Identifier(table),
            )
            fetched = [tuple(row) for row in platform.query(statement)]
            keys[f"{schema}.{table}"] = frozenset(fetched)
            rows[f"{schema}.{table}"] = len(fetched)
        return cls(keys, rows)

    def compare_with(
        self,
        reference: RowLedger,
        schemas: Iterable[str] | None = None,
        expected_new: dict[str, set[tuple]] | None = None,
    ) -> LedgerDifference:
        wanted = tuple(f"{schema}." for schema in schemas) if schemas else None
        lost: dict[str, int] = {}
        duplicated: dict[str, int] = {}
        for table, reference_keys in reference.keys.items():
            if wanted and not table.startswith(wanted):
                continue
            now = self.keys.get(table, frozenset())
            allowed = (expected_new or {}).get(table, set())
            lost[table] = len(reference_keys - now)
            repeated = self.rows.get(table, 0) - len(now)
            duplicated[table] = len(now - reference_keys - allowed) + repeated
        return LedgerDifference(lost, duplicated)


def marts_fingerprint(platform: ThrowawayPlatform) -> dict[str, str]:
    """md5 of every marts table's rows (sorted text): equal fingerprints = unchanged marts."""
    tables = platform.query(
        "select table_name from information_schema.tables "
        "where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"
    )
    fingerprint = {}
    for (table,) in tables:
        query = sql.SQL(
            "select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from marts.{} t"
        ).format(sql.Identifier(table))
        fingerprint[table] = platform.query(query)[0][0]
    return fingerprint


def truth_rows_missing(platform: ThrowawayPlatform) -> dict[str, int]:
    """Rows of the sandbox truth that the raw tables do not hold (0 everywhere when whole)."""
    truth = platform.world_dir / "truth"
    clients = {row["client_id"] for row in _csv(truth / "clients.csv")}
    loaded_clients = {row[0] for row in platform.query("select client_id from raw_app.clients")}
    accounts = {
        row["account_id"]
        for row in _csv(truth / "accounts.csv")
        if row["client_id"] in _active_clients(truth)
    }
    loaded_accounts = {
        row[0] for row in platform.query("select account_id from raw_plaid.accounts")
    }
    documents = {row["sha256"] for row in _csv(truth / "documents.csv")}
    archived = {
        sha: path
        for sha, path in platform.query("select file_sha256, archive_path from raw_documents.files")
    }
    unarchived = sum(
        1 for sha in documents if sha in archived and not _archived(platform, archived[sha])
    )
    return {
        "clients": len(clients - loaded_clients),
        "accounts": len(accounts - loaded_accounts),
        "documents": len(documents - set(archived)),
        "archived files": unarchived,
    }


def _archived(platform: ThrowawayPlatform, archive_path: str) -> bool:
    # Locations are fsspec URLs (`file:///...` for the local archive of a throwaway platform).
    path = Path(archive_path.removeprefix("file://"))
    return path.is_file() and path.stat().st_size > 0


def _active_clients(truth: Path) -> set[str]:
    return {row["client_id"] for row in _csv(truth / "clients.csv") if row["is_deleted"] != "true"}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))
