"""Benchmark: parse and load the sandbox's documents, CSV and PDF apart, then a whole night.

    .venv/bin/python bench/bench_documents.py [--clients 1000] [--nightly-clients 10000]

For `--clients`: build a world into a throwaway app database on a throwaway
embedded warehouse, split its landing area into CSV files and PDF files, and
time `load_landed_documents` on each (documents/s per format, same run, same
server). For `--nightly-clients`: build that world and load its whole landing
area in one call, as one nightly run would. Prints Markdown for
docs/benchmarks.md ("Documents").
"""

import argparse
import datetime as dt
import shutil
import time
from pathlib import Path

import psycopg2

from bench.throwaway_platform import throwaway_warehouse
from ingestion.documents.archive import DocumentArchive, LandingArea
from ingestion.documents.loader import DocumentsLoad, load_landed_documents
from privacy import EnvelopeCipher, Keyring
from sandbox import build_world
from warehouse_ddl import Warehouse, ensure_database

AS_OF = dt.date(2026, 11, 20)


def _load(
    server: Warehouse, database: str, landing_dir: Path, archive_dir: Path
) -> tuple[DocumentsLoad, float]:
    keyring = Keyring.generate()
    warehouse = psycopg2.connect(server.role_url("wdp_loader"))
    app = psycopg2.connect(server.admin_url(database))
    try:
        started = time.perf_counter()
        result = load_landed_documents(
            LandingArea(str(landing_dir)),
            DocumentArchive(str(archive_dir), EnvelopeCipher(keyring)),
            warehouse,
            app,
            keyring,
            today=AS_OF,
        )
        return result, time.perf_counter() - started
    finally:
        warehouse.close()
        app.close()


def _empty_documents(server: Warehouse) -> None:
    admin = psycopg2.connect(server.admin_url("warehouse"))
    with admin, admin.cursor() as cursor:
        cursor.execute(
            "select string_agg(format('%I.%I', schemaname, tablename), ', ') "
            "from pg_tables where schemaname = 'raw_documents'"
        )
        (tables,) = cursor.fetchone()
        cursor.execute(f"truncate {tables} cascade")
        cursor.execute("delete from quarantine.rejected_records where source_name = 'documents'")
    admin.close()


def _world(server: Warehouse, home: Path, clients: int) -> tuple[str, Path]:
    database = f"app_bench_{clients}"
    ensure_database(server, database)
    world = home / f"world_{clients}"
    build_world(
        world, clients=clients, seed=42, as_of=AS_OF, app_database_url=server.admin_url(database)
    )
    return database, world / "documents" / "landing"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000)
    parser.add_argument("--nightly-clients", type=int, default=10_000)
    args = parser.parse_args()

    with throwaway_warehouse("bench-documents-") as (server, home):
        database, landing = _world(server, home, args.clients)
        print(f"Per format, {args.clients:,}-client world:\n")
        print("| format | documents | parsed | quarantined | seconds | documents/s |")
        print("|---|---:|---:|---:|---:|---:|")
        for file_format in ("csv", "pdf"):
            subset = home / f"landing_{file_format}"
            subset.mkdir()
            for path in landing.iterdir():
                if path.suffix.lower() == f".{file_format}":
                    shutil.copy2(path, subset / path.name)
            _empty_documents(server)
            result, seconds = _load(server, database, subset, home / f"archive_{file_format}")
            rate = result.files_seen / seconds
            print(
                f"| {file_format.upper()} | {result.files_seen:,} | {result.files_parsed:,} | "
                f"{result.files_quarantined:,} | {seconds:.1f} | {rate:,.0f} |"
            )
        if args.nightly_clients:
            database, landing = _world(server, home, args.nightly_clients)
            _empty_documents(server)
            result, seconds = _load(server, database, landing, home / "archive_nightly")
            print(f"\nOne nightly load, {args.nightly_clients:,}-client world:\n")
            print("| documents | parsed | quarantined | failed | wall time | documents/s |")
            print("|---:|---:|---:|---:|---:|---:|")
            rate = result.files_seen / seconds
            print(
                f"| {result.files_seen:,} | {result.files_parsed:,} | {result.files_quarantined:,} "
                f"| {result.files_failed:,} | {seconds:.0f} s | {rate:,.0f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
