"""Benchmark: the nightly Plaid pull against the offline Plaid server, items/s and rows/s.

    .venv/bin/python bench/bench_plaid.py [--clients 50] [--workers 4]

Builds a sandbox world on a throwaway embedded warehouse, replicates its
`plaid_items` into raw_app, serves the world with the offline Plaid (no
faults, no rate limits) and times each loader of `ingestion.plaid.loaders`
in one process. A benchmark, not a test: prints a Markdown table for
docs/benchmarks.md ("Plaid ingestion").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

from ingestion.app_db.replication import replicate_table
from ingestion.app_db.tables import app_table
from ingestion.plaid.api import PlaidClient, PlaidSettings
from ingestion.plaid.items import read_active_items
from ingestion.plaid.loaders import (
    PlaidLoadContext,
    load_balances,
    load_holdings,
    load_investment_transactions,
    load_liabilities,
    sync_transactions,
)
from privacy import Keyring
from sandbox import PlaidSandboxServer, build_world
from warehouse_ddl import Warehouse, upgrade

AS_OF = dt.date(2026, 11, 20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    arguments = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="wdp-bench-plaid-"))
    home.chmod(0o755)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    os.environ.update(WDP_HOME=str(home), WDP_PG_PORT=str(port))
    os.environ.pop("WDP_DATABASE_URL", None)
    server = Warehouse.from_env()
    try:
        server.start()
        upgrade(server)
        run(server, home, arguments.clients, arguments.workers)
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    return 0


def run(server: Warehouse, home: Path, clients: int, workers: int) -> None:
    admin = psycopg2.connect(server.admin_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("create database {}").format(sql.Identifier("app")))
    admin.close()
    keyring = Keyring.generate()
    build_world(
        home / "world",
        clients=clients,
        seed=42,
        as_of=AS_OF,
        app_database_url=server.admin_url("app"),
    )
    source = psycopg2.connect(server.admin_url("app"))
    loader = psycopg2.connect(server.role_url("wdp_loader"))
    replicate_table(app_table("plaid_items"), source, loader, keyring, full_refresh=True)
    items = read_active_items(loader, keyring)
    print(
        f"{clients} clients, {workers} workers\n"
        "| loader | items | rows received | seconds | items/s | rows/s |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    with PlaidSandboxServer(home / "world", port=0) as plaid:
        settings = PlaidSettings(
            host=plaid.url, client_id="bench", secret="bench",  # noqa: S106 - offline server
            is_offline_sandbox=True, limits={}, max_concurrent_items=workers,
        )  # fmt: skip
        context = PlaidLoadContext(PlaidClient(settings), loader, keyring)
        for name, load in (
            ("balances", lambda: load_balances(context, items, AS_OF)),
            ("holdings + tax lots", lambda: load_holdings(context, items, AS_OF)),
            ("liabilities", lambda: load_liabilities(context, items, AS_OF)),
            (
                "investment transactions",
                lambda: load_investment_transactions(context, items, AS_OF),
            ),
            ("transactions (first sync)", lambda: sync_transactions(context, items)),
        ):
            started = time.perf_counter()
            result = load()
            seconds = time.perf_counter() - started
            rows = sum(result.rows_received.values())
            print(
                f"| {name} | {result.items_total} | {rows} | {seconds:.2f} | "
                f"{result.items_total / seconds:.1f} | {rows / seconds:.0f} |"
            )
    source.close()
    loader.close()


if __name__ == "__main__":
    raise SystemExit(main())
