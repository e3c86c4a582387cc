"""Benchmark: Plaid ingestion. Three parts, each printed as a Markdown table for
docs/benchmarks.md ("Plaid ingestion"):

    .venv/bin/python bench/bench_plaid.py [--clients 50] [--workers 4]
        [--load-path-clients 200] [--pull-clients 0]

1. Loaders (`--clients`): each loader of `ingestion.plaid.loaders` against the
   offline Plaid (no faults, no rate limits), items/s and rows/s.
2. Load path (`--load-path-clients`): the transaction rows of a first sync,
   written three ways into identical empty tables in the same run:
   `ingestion.load.copy_merge` (our path: COPY to a temp table, then INSERT ...
   ON CONFLICT), a plain `COPY` into the table, and `pandas.DataFrame.to_sql`.
   Rows/s and the ratio to plain COPY (target >= 0.7).
3. Nightly pull (`--pull-clients N`, 0: skipped): every loader for a world of N
   clients with Plaid's production limits in the client-side throttle, the
   offline Plaid in its own process. Per loader: rows/s, requests/s, and the
   throttle's theoretical minimum time (calls / per-client limit per endpoint):
   a pull close to it is bound by the API limits, not by our code. With
   `--pull-mode parallel` the loaders run as the Dagster pools allow
   (`orchestration/defs/plaid/assets.py` PLAID_POOLS): one process per pool
   (as the multiprocess executor runs steps), each with its own connection and
   client, the snapshot loaders one after another in theirs; `--pull-mode both`
   runs the pull one by one, empties raw_plaid, then runs it by pool.
Throwaway embedded warehouse; a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psycopg2
from psycopg2 import sql

from bench.throwaway_platform import (
    free_port,
    machine_load,
    process_cpu_seconds,
    throwaway_warehouse,
)
from ingestion.app_db.replication import replicate_table
from ingestion.app_db.tables import app_table
from ingestion.load import _copy_text_stream, copy_merge
from ingestion.plaid import records
from ingestion.plaid.api import PlaidClient, PlaidSettings
from ingestion.plaid.items import read_active_items
from ingestion.plaid.loaders import (
    WRITE_BATCH_ITEMS,
    WRITE_BATCH_ROWS,
    PlaidLoadContext,
    _sync_item,
    check_items,
    load_balances,
    load_holdings,
    load_investment_transactions,
    load_liabilities,
    sync_transactions,
)
from ingestion.plaid.records import RowStamp, Sealer
from ingestion.plaid.throttle import PLAID_PRODUCTION_LIMITS
from privacy import EnvelopeCipher, Keyring
from sandbox import PlaidSandboxServer, build_world
from warehouse_ddl import Warehouse

AS_OF = dt.date(2026, 11, 20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--load-path-clients", type=int, default=200)
    parser.add_argument("--pull-clients", type=int, default=0)
    parser.add_argument("--pull-workers", type=int, default=8)
    parser.add_argument(
        "--pull-mode",
        choices=("sequential", "parallel", "both"),
        default="sequential",
        help="both: one by one, then (raw_plaid emptied) by pool, in the same run",
    )
    arguments = parser.parse_args()
    with throwaway_warehouse("wdp-bench-plaid-") as (server, home):
        keyring = Keyring.generate()
        if arguments.clients:
            run(server, home, arguments.clients, arguments.workers)
        if arguments.load_path_clients:
            world, items = prepare_world(server, home, arguments.load_path_clients, keyring)
            print(run_load_path(server, world, items, keyring))
        if arguments.pull_clients:
            world, items = prepare_world(server, home, arguments.pull_clients, keyring)
            modes = ("sequential", "parallel") if arguments.pull_mode == "both" else ()
            for number, mode in enumerate(modes or (arguments.pull_mode,)):
                if number:
                    empty_raw_plaid(server)
                run_pull(server, world, items, keyring, arguments.pull_workers, mode == "parallel")
    return 0


def compare_load_paths(clients: int = 200) -> str:
    """The load-path table (our path vs plain COPY vs to_sql) for `make bench` (bench/__main__)."""
    with throwaway_warehouse("wdp-bench-plaid-") as (server, home):
        keyring = Keyring.generate()
        world, items = prepare_world(server, home, clients, keyring)
        return run_load_path(server, world, items, keyring)


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


# -- shared ---------------------------------------------------------------------------------


def prepare_world(server: Warehouse, home: Path, clients: int, keyring: Keyring):
    """A world of `clients` in its own app database, its items replicated into raw_app."""
    name = f"app_{clients}"
    admin = psycopg2.connect(server.admin_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    admin.close()
    world = home / f"world_{clients}"
    started = time.perf_counter()
    build_world(
        world, clients=clients, seed=42, as_of=AS_OF, app_database_url=server.admin_url(name)
    )
    print(f"(world of {clients} clients built in {time.perf_counter() - started:.0f} s)")
    source = psycopg2.connect(server.admin_url(name))
    loader = psycopg2.connect(server.role_url("wdp_loader"))
    replicate_table(app_table("plaid_items"), source, loader, keyring, full_refresh=True)
    items = read_active_items(loader, keyring)
    source.close()
    loader.close()
    return world, items


# -- 2. the load path -----------------------------------------------------------------------

LOAD_PATH_REPEATS = 3


def run_load_path(server: Warehouse, world: Path, items, keyring: Keyring) -> str:
    """The Markdown table: rows/s of each path on the same rows, and the ratio to plain COPY."""
    table = records.TRANSACTIONS
    sealer = Sealer(EnvelopeCipher(keyring), keyring.pepper)
    stamp = RowStamp(load_id=uuid.uuid4(), loaded_at=dt.datetime.now(dt.UTC))
    with PlaidSandboxServer(world, port=0) as plaid:
        settings = PlaidSettings(
            host=plaid.url, client_id="bench", secret="bench",  # noqa: S106 - offline server
            is_offline_sandbox=True, limits={},
        )  # fmt: skip
        client = PlaidClient(settings)
        rows = [
            records.transaction_row(item.item_id, transaction, sealer, stamp)
            for item in items
            if "transactions" in item.products
            for transaction in _sync_item(client, item, None, 500).upserts.values()
        ]
    rows = list({records.row_key(table, row): row for row in rows}.values())
    connection = psycopg2.connect(server.admin_url("warehouse"))
    with connection, connection.cursor() as cursor:
        cursor.execute("create schema if not exists bench")
    columns = list(table.columns)

    def fresh(name: str) -> str:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql.SQL("drop table if exists {}").format(sql.Identifier("bench", name)))
            cursor.execute(
                sql.SQL("create table {} (like raw_plaid.transactions including all)").format(
                    sql.Identifier("bench", name)
                )
            )
        return f"bench.{name}"

    def our_path() -> float:
        target = fresh("merge_target")
        started = time.perf_counter()
        with connection:
            copy_merge(
                connection,
                target_table=target,
                columns=columns,
                key_columns=table.key_columns,
                rows=rows,
                change_column="_row_sha256",
            )
        return time.perf_counter() - started

    def plain_copy() -> float:
        fresh("copy_target")
        started = time.perf_counter()
        with connection, connection.cursor() as cursor:
            cursor.copy_expert(
                sql.SQL("copy {} ({}) from stdin")
                .format(
                    sql.Identifier("bench", "copy_target"),
                    sql.SQL(", ").join(sql.Identifier(column) for column in columns),
                )
                .as_string(cursor),
                _copy_text_stream(rows),
            )
        return time.perf_counter() - started

    import json

    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(
        server.admin_url("warehouse").replace("postgresql://", "postgresql+psycopg2://", 1)
    )
    # jsonb values as JSON text (to_sql cannot bind dicts); done before the clock starts.
    frame_rows = [
        [json.dumps(value) if isinstance(value, dict) else value for value in row] for row in rows
    ]

    def pandas_to_sql() -> float:
        fresh("pandas_target")
        started = time.perf_counter()
        frame = pd.DataFrame(frame_rows, columns=columns)
        frame.to_sql("pandas_target", engine, schema="bench", if_exists="append", index=False)
        return time.perf_counter() - started

    seconds: dict[str, list[float]] = {"copy_merge": [], "plain COPY": [], "to_sql": []}
    for _ in range(LOAD_PATH_REPEATS):  # interleaved, so machine load hits each path alike
        seconds["plain COPY"].append(plain_copy())
        seconds["copy_merge"].append(our_path())
        seconds["to_sql"].append(pandas_to_sql())
    batched = batched_merge(connection, fresh, rows, columns, table)
    connection.close()
    engine.dispose()
    baseline = statistics.median(seconds["plain COPY"])
    lines = [
        f"{len(rows)} transaction rows ({len(columns)} columns), median of "
        f"{LOAD_PATH_REPEATS} interleaved runs; load average {machine_load()}",
        "",
        "| path | seconds | rows/s | vs plain COPY |",
        "|---|---:|---:|---:|",
    ]
    for name, times in seconds.items():
        median = statistics.median(times)
        lines.append(
            f"| {name} | {median:.2f} | {len(rows) / median:,.0f} | {baseline / median:.2f} |"
        )
    batch_count, batch_seconds = batched
    lines.append(
        f"| copy_merge in item batches, as the loaders write ({batch_count} transactions) "
        f"| {batch_seconds:.2f} | {len(rows) / batch_seconds:,.0f} "
        f"| {baseline / batch_seconds:.2f} |"
    )
    return "\n".join(lines)


def batched_merge(connection, fresh, rows, columns, table) -> tuple[int, float]:
    """copy_merge per batch of items, committed, as `ingestion.plaid.loaders` writes.

    A batch closes at WRITE_BATCH_ITEMS items or WRITE_BATCH_ROWS rows, whichever
    comes first (the loaders also close one early when Plaid is slower than us).
    """
    target = fresh("merge_batched")
    item_at = columns.index("item_id")
    by_item: dict[str, list] = {}
    for row in rows:
        by_item.setdefault(row[item_at], []).append(row)
    batches: list[list] = [[]]
    items_in_batch = 0
    for item_rows in by_item.values():
        if items_in_batch >= WRITE_BATCH_ITEMS or len(batches[-1]) >= WRITE_BATCH_ROWS:
            batches.append([])
            items_in_batch = 0
        batches[-1].extend(item_rows)
        items_in_batch += 1
    started = time.perf_counter()
    for batch in batches:
        with connection:
            copy_merge(
                connection,
                target_table=target,
                columns=columns,
                key_columns=table.key_columns,
                rows=batch,
                change_column="_row_sha256",
            )
    return len(batches), time.perf_counter() - started


# -- 3. the nightly pull under Plaid's limits -------------------------------------------------


LOADERS = {
    "balances": lambda context, items: load_balances(context, items, AS_OF),
    # As raw_plaid/items runs: after the balances, asking only the items they did not reach.
    "items (/item/get, unreached)": lambda context, items: check_items(
        context, items, unchecked_since=_PULL["started_at"]
    ),
    "holdings + tax lots": lambda context, items: load_holdings(context, items, AS_OF),
    "liabilities": lambda context, items: load_liabilities(context, items, AS_OF),
    "investment transactions": lambda context, items: load_investment_transactions(
        context, items, AS_OF
    ),
    "transactions (first sync)": lambda context, items: sync_transactions(context, items),
}
# The Dagster pools of the Plaid assets (PLAID_POOLS): loaders of one lane run one
# after another, lanes at once. raw_plaid/items has a pool of its own but waits for
# the balances (its dependency), and then asks few items: here it follows them.
POOL_LANES = (
    ("balances", "items (/item/get, unreached)", "holdings + tax lots", "liabilities"),
    ("investment transactions",),
    ("transactions (first sync)",),
)
# Set before the lanes' processes fork (they inherit it): what each lane needs.
_PULL: dict = {}


def run_pull(
    server: Warehouse, world: Path, items, keyring: Keyring, workers: int, parallel: bool
) -> None:
    port = free_port()
    # The offline Plaid in its own process: its CPU is not counted as ours.
    plaid = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "plaid", "--world", str(world), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        _PULL.update(
            server=server,
            port=port,
            items=items,
            keyring=keyring,
            workers=workers,
            started_at=dt.datetime.now(dt.UTC),
        )
        mode = "loaders in parallel by pool (one process each)" if parallel else "one by one"
        print(
            f"\nnightly pull: {len(items)} items, {workers} concurrent items, production limits, "
            f"{mode}\n"
            "| loader | items | rows | requests | seconds | our CPU s | rows/s | requests/s "
            "| throttle minimum s | seconds / minimum |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            flush=True,
        )
        postgres_pid = server.embedded.status().pid
        cpu_before = {
            "offline Plaid": process_cpu_seconds(plaid.pid),
            "Postgres": process_cpu_seconds(postgres_pid) if postgres_pid else 0.0,
        }
        started = time.perf_counter()
        if parallel:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=len(POOL_LANES), mp_context=context) as pool:
                lanes = list(pool.map(_run_lane, POOL_LANES))
        else:
            lanes = [_run_lane(tuple(LOADERS))]
        wall_seconds = time.perf_counter() - started
        totals = Counter()
        lane_minimums = []
        for lane in lanes:
            lane_minimums.append(sum(measured["minimum"] for measured in lane))
            for measured in lane:
                seconds, minimum = measured["seconds"], measured["minimum"]
                rows, requests = measured["rows"], measured["requests"]
                totals.update(rows=rows, requests=requests, waits=measured["throttle_waits"])
                print(
                    f"| {measured['name']} | {measured['items']} | {rows} | {requests} | "
                    f"{seconds:.1f} | {measured['cpu_seconds']:.1f} | {rows / seconds:,.0f} | "
                    f"{requests / seconds:.1f} | "
                    f"{minimum:.1f} | {ratio_text(seconds, minimum)} |"
                )
        # One after another the minimum is the sum; by pool, the slowest lane's sum.
        minimum = max(lane_minimums)
        print(
            f"| **all** (wall) | | {totals['rows']} | {totals['requests']} | {wall_seconds:.1f} | "
            f"{sum(m['cpu_seconds'] for lane in lanes for m in lane):.1f} | "
            f"{totals['rows'] / wall_seconds:,.0f} | {totals['requests'] / wall_seconds:.1f} | "
            f"{minimum:.1f} | {ratio_text(wall_seconds, minimum)} |"
        )
        # Where the two cores went: a pull bound by our code shows our CPU near
        # the wall time; one bound by the limits shows throttle waits and idle CPU.
        cpu = {
            "ours (loader processes)": sum(m["cpu_seconds"] for lane in lanes for m in lane),
            "offline Plaid": process_cpu_seconds(plaid.pid) - cpu_before["offline Plaid"],
            "Postgres": (process_cpu_seconds(postgres_pid) if postgres_pid else 0.0)
            - cpu_before["Postgres"],
        }
        print(
            f"(throttle waits: {totals['waits']}; load average {machine_load()}; CPU seconds "
            + ", ".join(f"{name} {seconds:,.0f}" for name, seconds in cpu.items())
            + f" of {os.cpu_count()} cores x {wall_seconds:,.0f} s wall)",
            flush=True,
        )
    finally:
        plaid.terminate()
        plaid.wait(timeout=30)


def empty_raw_plaid(server: Warehouse) -> None:
    """Every raw_plaid table emptied (as the owner), so the next pull is a first pull again."""
    connection = psycopg2.connect(server.admin_url("warehouse"))
    with connection, connection.cursor() as cursor:
        cursor.execute("select tablename from pg_tables where schemaname = 'raw_plaid'")
        tables = [sql.Identifier("raw_plaid", name) for (name,) in cursor.fetchall()]
        cursor.execute(sql.SQL("truncate {}").format(sql.SQL(", ").join(tables)))
    connection.close()


def _run_lane(names: tuple[str, ...]) -> list[dict]:
    """Run the named loaders one after another with a connection and client of their own."""
    loader = psycopg2.connect(_PULL["server"].role_url("wdp_loader"))
    settings = PlaidSettings(
        host=f"http://127.0.0.1:{_PULL['port']}", client_id="bench", secret="bench",  # noqa: S106
        is_offline_sandbox=True, limits=dict(PLAID_PRODUCTION_LIMITS),
        max_concurrent_items=_PULL["workers"],
    )  # fmt: skip
    client = PlaidClient(settings)
    context = PlaidLoadContext(client, loader, _PULL["keyring"])
    measured = []
    try:
        for name in names:
            before = Counter(client.call_counts)
            started, cpu_started = time.perf_counter(), time.process_time()
            result = LOADERS[name](context, _PULL["items"])
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu_started
            calls = Counter(client.call_counts)
            calls.subtract(before)
            measured.append(
                {
                    "name": name,
                    "items": result.items_total,
                    "rows": sum(result.rows_received.values()),
                    "requests": sum(v for k, v in calls.items() if k.startswith("calls ")),
                    "seconds": seconds,
                    "cpu_seconds": cpu_seconds,
                    "minimum": throttle_minimum_seconds(calls),
                    "throttle_waits": calls["throttle_waits"],
                }
            )
    finally:
        loader.close()
    return measured


def ratio_text(seconds: float, minimum: float) -> str:
    return f"{seconds / minimum:.2f}" if minimum else "— (no wait needed)"


def throttle_minimum_seconds(calls: Counter) -> float:
    """The least time Plaid's per-client limits allow for these calls.

    In a sliding minute the first `limit` calls may go at once and call k + limit
    no earlier than a minute after call k: n calls need floor((n - 1) / limit)
    minutes at least. The slowest endpoint bounds the loader.
    """
    slowest = 0.0
    for endpoint, limit in PLAID_PRODUCTION_LIMITS.items():
        count = calls.get(f"calls {endpoint}", 0)
        if count:
            slowest = max(slowest, (count - 1) // limit.per_client_per_minute * 60.0)
    return slowest


if __name__ == "__main__":
    raise SystemExit(main())
