"""Benchmark: replicate the sandbox app database into raw_app, full copy then incremental.

    .venv/bin/python bench/bench_app_db.py [--clients 500 10000] [--changed-share 0.01]

For each size: build a sandbox world into a throwaway app database on a throwaway
embedded warehouse, time the first run (a full copy of every table), change a
share of the rows (updates stamped `now()`, new rows, hard deletes), then time
the incremental run. Both runs happen in the same process and on the same
server, so their ratio is meaningful even where absolute times are not.
Prints a Markdown table for docs/benchmarks.md ("App database replication").
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql

from bench.throwaway_platform import throwaway_warehouse
from ingestion.app_db.replication import replicate_table
from ingestion.app_db.tables import APP_TABLES
from privacy import Keyring
from sandbox import build_world
from warehouse_ddl import Warehouse

CHANGE_STATEMENTS = (
    # Updates the app stamps with now(): a share of clients, goals and appointments.
    "update clients set annual_income_usd = annual_income_usd + 1, updated_at = now() "
    "where random() < %(share)s",
    "update goals set status = 'achieved', updated_at = now() where random() < %(share)s",
    "update appointments set status = 'completed', updated_at = now() "
    "where status = 'scheduled' and random() < %(share)s",
    # New rows: goals of existing clients.
    "insert into goals select goal_id || '_bench', client_id, goal_type, target_amount_usd, "
    "target_date, 'active', now(), now(), null from goals where random() < %(share)s",
    # Hard deletes (a leaf table, so no foreign key stands in the way).
    "delete from document_uploads where random() < %(share)s",
)


@dataclass(frozen=True)
class RunTimings:
    seconds: float
    rows_read: int
    rows_moved: int


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[500, 10_000])
    parser.add_argument("--changed-share", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    print(
        "| clients | rows in source | full copy | full rows/s | changed share | "
        "incremental rows read / moved | incremental | incremental rows/s | full / incremental |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with throwaway_warehouse("bench-app-db-") as (server, home):
        for clients in args.clients:
            full, incremental = bench_size(server, home, clients, args.seed, args.changed_share)
            print(
                f"| {clients:,} | {full.rows_read:,} | {full.seconds:.2f} s | "
                f"{full.rows_read / full.seconds:,.0f} | {args.changed_share:.0%} | "
                f"{incremental.rows_read:,} / {incremental.rows_moved:,} | "
                f"{incremental.seconds:.2f} s | "
                f"{incremental.rows_read / incremental.seconds:,.0f} | "
                f"{full.seconds / incremental.seconds:.1f} x |"
            )
    return 0


def bench_size(
    server: Warehouse, home: Path, clients: int, seed: int, changed_share: float
) -> tuple[RunTimings, RunTimings]:
    database = f"bench_app_{clients}"
    admin = psycopg2.connect(server.admin_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database))
        )
        cursor.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
    app_url = server.admin_url(database)
    build_world(
        home / f"world-{clients}",
        clients=clients,
        seed=seed,
        as_of=dt.date(2026, 11, 20),
        app_database_url=app_url,
    )
    keyring = Keyring.generate()
    source = psycopg2.connect(app_url)
    warehouse = psycopg2.connect(server.role_url("wdp_loader"))
    try:
        _empty_raw_app(server)
        full = _replicate_all(source, warehouse, keyring)
        with source, source.cursor() as cursor:
            for statement in CHANGE_STATEMENTS:
                cursor.execute(statement, {"share": changed_share})
        incremental = _replicate_all(source, warehouse, keyring)
    finally:
        source.close()
        warehouse.close()
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(database)))
    admin.close()
    return full, incremental


def _replicate_all(source, warehouse, keyring: Keyring) -> RunTimings:
    started = time.perf_counter()
    results = [replicate_table(spec, source, warehouse, keyring) for spec in APP_TABLES]
    return RunTimings(
        seconds=time.perf_counter() - started,
        rows_read=sum(result.rows_read for result in results),
        rows_moved=sum(result.rows_moved for result in results),
    )


def _empty_raw_app(server: Warehouse) -> None:
    connection = psycopg2.connect(server.admin_url("warehouse"))
    tables = sql.SQL(", ").join(
        sql.Identifier(*spec.target_table.split(".")) for spec in APP_TABLES
    )
    with connection, connection.cursor() as cursor:
        cursor.execute(sql.SQL("truncate {}, audit.load_watermarks").format(tables))
    connection.close()


if __name__ == "__main__":
    sys.exit(main())
