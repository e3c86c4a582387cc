"""Benchmark: the app's latency, warm, on an existing platform (issue 9 item 6, issue 11).

    .venv/bin/python -m bench.bench_app --home /work/p10k [--snapshots 200] [--page-runs 5]
                                        [--seed 7] [--write-docs]

Measures, in this process, against the platform in `--home` (a `WDP_HOME` that
`wdp run` has filled; its embedded Postgres is started if it is not running and
stopped again afterwards):

1. the concierge snapshot: `analytics_app.queries.concierge.client_snapshot`
   (the audited database function, then decryption in memory) as a concierge
   lead, for `--snapshots` random active clients, after a warm-up; and the
   database call alone (`concierge.client_snapshot(...)` through the same
   connection pool) on the same clients, to tell the database from the app;
2. every page of every persona, rendered by Streamlit's `AppTest` (the page
   script on the server side; no browser), `--page-runs` times each: *warm*
   (the page's cached aggregates are in `st.cache_data`, as for anyone who opens
   the page within the cache's 5 minutes) and *uncached* (the cache cleared
   before each run: every query goes to the database). The concierge page is
   also measured searching a client's last name and opening their snapshot,
   a different client each run.

It provisions one app user per persona, `bench_<persona>`, with `wdp users add`'s
own function (idempotent: a rerun resets their passwords); their snapshot views
are written to the audit log like anyone's. Output: a Markdown table with p50,
p95 and max per measurement and the load average before and after, which
`--write-docs` (or `make bench` through bench/__main__.py) puts into the
`latency` block of docs/benchmarks.md. Timings only here, never in tests.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

from bench.throwaway_platform import PROJECT_ROOT, free_port, machine_load
from warehouse_ddl import Warehouse
from warehouse_ddl.settings import WarehouseSettings

APP_SCRIPT = PROJECT_ROOT / "analytics_app" / "streamlit_app.py"
DOCUMENT = PROJECT_ROOT / "docs" / "benchmarks.md"
TARGET_SNAPSHOT_P95_S = 0.150
TARGET_PAGE_WARM_S = 1.0
WARM_UP_SNAPSHOTS = 10
# The pages each persona can open, as analytics_app/streamlit_app.py routes them
# (tests/unit/bench/test_bench_app.py checks that every page file is listed).
PAGES_BY_PERSONA: dict[str, tuple[str, ...]] = {
    "concierge": ("app_pages/concierge_clients.py",),
    "concierge_lead": ("app_pages/concierge_clients.py",),
    "product": ("app_pages/product_overview.py", "app_pages/clients_by_state.py"),
    "marketing": ("app_pages/marketing_segments.py", "app_pages/clients_by_state.py"),
    "engineer": ("app_pages/data_health.py", "app_pages/clients_by_state.py"),
}
CONCIERGE_PAGE = "app_pages/concierge_clients.py"


@dataclass
class LatencySeries:
    """Seconds of repeated runs of one measurement."""

    measurement: str
    role: str
    samples_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    target_s: float | None = None
    target_statistic: str = "p95"

    def percentile(self, share: float) -> float | None:
        """Nearest-rank percentile (no interpolation: a value that was measured)."""
        if not self.samples_s:
            return None
        ordered = sorted(self.samples_s)
        rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
        return ordered[rank - 1]

    def meets_target(self) -> bool | None:
        if self.target_s is None or not self.samples_s:
            return None
        value = self.percentile(0.95 if self.target_statistic == "p95" else 0.50)
        return value is not None and value <= self.target_s and not self.failures


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f} ms"


def latency_markdown(
    series: Sequence[LatencySeries], *, platform: str, load_before: str, load_after: str
) -> str:
    """The Markdown table of all series, with the platform and the load average."""
    lines = [
        f"Measured on {platform}; load average (1/5/15 min) {load_before} before, "
        f"{load_after} after.",
        "",
        "| measurement | role | runs | p50 | p95 | max | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for one in series:
        verdict = one.meets_target()
        if one.target_s is None:
            target = ""
        else:
            mark = "meets" if verdict else "**misses**"
            target = f"{one.target_statistic} ≤ {_ms(one.target_s)}: {mark}"
        failed = f" ({len(one.failures)} failed: {one.failures[0]})" if one.failures else ""
        lines.append(
            f"| {one.measurement}{failed} | {one.role} | {len(one.samples_s)} "
            f"| {_ms(one.percentile(0.50))} | {_ms(one.percentile(0.95))} "
            f"| {_ms(max(one.samples_s) if one.samples_s else None)} | {target} |"
        )
    return "\n".join(lines)


# -- the platform -----------------------------------------------------------------------------


@contextmanager
def platform_environment(home: Path) -> Iterator[Warehouse]:
    """`os.environ` pointed at the platform in `home` (server started if needed), then restored."""
    saved = dict(os.environ)
    os.environ["WDP_HOME"] = str(home)
    settings = WarehouseSettings.from_env()
    warehouse = Warehouse(settings)
    started_here = False
    if settings.is_embedded and not warehouse.embedded.status().is_running:
        if not os.environ.get("WDP_PG_PORT"):
            os.environ["WDP_PG_PORT"] = str(free_port())
            warehouse = Warehouse(WarehouseSettings.from_env())
        warehouse.start()
        started_here = True
    try:
        from orchestration.cli import app_environment

        os.environ.update(app_environment())
        yield warehouse
    finally:
        if started_here:
            warehouse.stop()
        os.environ.clear()
        os.environ.update(saved)


def _admin_rows(warehouse: Warehouse, query: str, parameters: object = ()) -> list[tuple]:
    with (
        psycopg2.connect(warehouse.admin_url("warehouse")) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(query, parameters)
        return cursor.fetchall()


def busiest_concierge(warehouse: Warehouse) -> str:
    """The concierge with the most current assignments (the heaviest search)."""
    rows = _admin_rows(
        warehouse,
        "select concierge_id from raw_app.concierge_assignments where unassigned_at is null "
        "group by concierge_id order by count(*) desc, concierge_id limit 1",
    )
    if not rows:
        raise SystemExit("the platform has no concierge assignments: run `wdp run` on it first")
    return rows[0][0]


def active_client_keys(warehouse: Warehouse, concierge_id: str | None = None) -> list[str]:
    """Active clients (all, or those currently assigned to `concierge_id`)."""
    return [
        key
        for (key,) in _admin_rows(
            warehouse,
            "select clients.client_key from marts.dim_clients as clients "
            "where not clients.is_deleted and (%(concierge)s::text is null or exists ("
            "select 1 from raw_app.concierge_assignments as assignments "
            "where assignments.client_key = clients.client_key "
            "and assignments.concierge_id = %(concierge)s and assignments.unassigned_at is null)) "
            "order by clients.client_key",
            {"concierge": concierge_id},
        )
    ]


def provision_bench_users(warehouse: Warehouse) -> dict[str, object]:
    """One app user per persona (`bench_<persona>`), as `wdp users add` makes them."""
    from analytics_app.auth.personas import Persona, login_role_for
    from analytics_app.auth.user_store import AppUser
    from orchestration.cli import add_app_user

    concierge_id = busiest_concierge(warehouse)
    users: dict[str, object] = {}
    for persona in Persona:
        name = f"bench_{persona.value}"
        serves = concierge_id if persona is Persona.CONCIERGE else None
        add_app_user(name, persona.value, serves)
        users[persona.value] = AppUser(name, persona, login_role_for(name), serves)
    return users


# -- measuring --------------------------------------------------------------------------------


def _timed(series: LatencySeries, action: Callable[[], object]) -> object:
    started = time.perf_counter()
    try:
        outcome = action()
    except Exception as error:  # A failed run is reported in the table, not hidden.
        series.failures.append(f"{type(error).__name__}: {str(error).splitlines()[0][:120]}")
        return None
    series.samples_s.append(time.perf_counter() - started)
    return outcome


def measure_snapshots(user: object, client_keys: Sequence[str]) -> list[LatencySeries]:
    """The app's snapshot function and the database call alone, on the same clients."""
    from analytics_app.queries import concierge
    from analytics_app.queries.connections import call_audited

    for key in client_keys[:WARM_UP_SNAPSHOTS]:
        concierge.client_snapshot(user, key)  # type: ignore[arg-type]
    app_series = LatencySeries(
        "`concierge.client_snapshot` (audited DB function + decryption)",
        "concierge lead",
        target_s=TARGET_SNAPSHOT_P95_S,
    )
    database_series = LatencySeries(
        "`concierge.client_snapshot()` database function alone", "concierge lead"
    )

    def snapshot_of(key: str) -> object:
        snapshot = concierge.client_snapshot(user, key)  # type: ignore[arg-type]
        if snapshot is None:
            raise LookupError(f"the database refused the snapshot of {key[:8]}…")
        return snapshot

    for key in client_keys:
        _timed(app_series, lambda key=key: snapshot_of(key))
        _timed(
            database_series,
            lambda key=key: call_audited(
                user,  # type: ignore[arg-type]
                "concierge_client_snapshot.sql",
                {"client_key": key},
            ),
        )
    return [app_series, database_series]


def _render(app: object, page: str, search_text: str | None = None) -> None:
    app.switch_page(page)  # type: ignore[attr-defined]
    if search_text is not None:
        app.text_input(key="client_search").input(search_text)  # type: ignore[attr-defined]
    app.run()  # type: ignore[attr-defined]
    if app.exception:  # type: ignore[attr-defined]
        raise RuntimeError(app.exception[0].message)  # type: ignore[attr-defined]


def measure_pages(users: dict[str, object], page_runs: int) -> list[LatencySeries]:
    """Every page of every persona: warm (cached aggregates) and uncached runs."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    results = []
    for persona, pages in PAGES_BY_PERSONA.items():
        user = users[persona]
        role = persona.replace("_", " ")
        for page in pages:
            app = AppTest.from_file(str(APP_SCRIPT), default_timeout=300)
            app.session_state["app_user"] = user
            app.run()
            warm = LatencySeries(
                f"page `{page}` warm", role, target_s=TARGET_PAGE_WARM_S, target_statistic="p50"
            )
            uncached = LatencySeries(f"page `{page}` uncached", role)
            try:
                _render(app, page)  # Warm-up: fills the cache and the connection pool.
            except Exception as error:
                warm.failures.append(f"{type(error).__name__}: {str(error)[:120]}")
            else:
                for _ in range(page_runs):
                    _timed(warm, lambda app=app, page=page: _render(app, page))
                for _ in range(page_runs):
                    st.cache_data.clear()
                    _timed(uncached, lambda app=app, page=page: _render(app, page))
            results += [warm, uncached]
    return results


def measure_concierge_searches(user: object, role: str, names: Sequence[str]) -> LatencySeries:
    """The concierge page searching a last name and showing the first match's snapshot."""
    from streamlit.testing.v1 import AppTest

    series = LatencySeries(
        "page `app_pages/concierge_clients.py`: search a last name + snapshot",
        role,
        target_s=TARGET_PAGE_WARM_S,
        target_statistic="p50",
    )
    app = AppTest.from_file(str(APP_SCRIPT), default_timeout=300)
    app.session_state["app_user"] = user
    app.run()
    for name in names:
        _timed(series, lambda name=name: _render(app, CONCIERGE_PAGE, name.split(" ")[-1]))
    return series


def _client_names(user: object, client_keys: Sequence[str]) -> list[str]:
    from analytics_app.queries import concierge

    names = []
    for key in client_keys:
        snapshot = concierge.client_snapshot(user, key)  # type: ignore[arg-type]
        if snapshot is not None:
            names.append(snapshot.full_name)
    return names


def measure_app_latency(
    home: Path, *, snapshots: int = 200, page_runs: int = 5, seed: int = 7
) -> str:
    """Everything above on the platform in `home`; returns the Markdown table."""
    load_before = machine_load()
    generator = random.Random(seed)
    with platform_environment(home) as warehouse:
        users = provision_bench_users(warehouse)
        everyone = active_client_keys(warehouse)
        if not everyone:
            raise SystemExit(f"no active client in {home}: run `wdp run` on it first")
        sample = generator.sample(everyone, min(snapshots, len(everyone)))
        series = measure_snapshots(users["concierge_lead"], sample)
        series += measure_pages(users, page_runs)
        lead_names = _client_names(users["concierge_lead"], sample[:page_runs])
        series.append(
            measure_concierge_searches(users["concierge_lead"], "concierge lead", lead_names)
        )
        concierge = users["concierge"]
        assigned = active_client_keys(warehouse, concierge.concierge_id)  # type: ignore[attr-defined]
        names = _client_names(concierge, generator.sample(assigned, min(page_runs, len(assigned))))
        series.append(measure_concierge_searches(concierge, "concierge", names))
    platform = (
        f"`WDP_HOME={home}` ({len(everyone):,} active clients; {snapshots} snapshots after "
        f"{WARM_UP_SNAPSHOTS} warm-up calls, {page_runs} AppTest runs per page and kind)"
    )
    return latency_markdown(
        series, platform=platform, load_before=load_before, load_after=machine_load()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home",
        type=Path,
        default=os.environ.get("BENCH_LATENCY_HOME") or os.environ.get("WDP_HOME"),
        help="WDP_HOME of a platform that `wdp run` has filled (default: $BENCH_LATENCY_HOME)",
    )
    parser.add_argument("--snapshots", type=int, default=200)
    parser.add_argument("--page-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--write-docs", action="store_true", help="put the table into docs/benchmarks.md"
    )
    arguments = parser.parse_args(argv)
    if arguments.home is None:
        parser.error("give --home (or BENCH_LATENCY_HOME): the WDP_HOME of a filled platform")
    table = measure_app_latency(
        arguments.home.resolve(),
        snapshots=arguments.snapshots,
        page_runs=arguments.page_runs,
        seed=arguments.seed,
    )
    print(table)
    if arguments.write_docs:
        from bench.report import replace_block

        document = DOCUMENT.read_text() if DOCUMENT.exists() else "# Benchmarks\n"
        DOCUMENT.write_text(replace_block(document, "latency", table))
        print(f"\nwrote the latency block of {DOCUMENT.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
