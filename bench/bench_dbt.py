"""Benchmark: `dbt parse` and `dbt build` (every model and test) against an existing platform.

    .venv/bin/python -m bench.bench_dbt --wdp-home /work/p10k [--pg-port P]
        [--parse-repeats 3] [--full-refresh] [--json OUT] [--write-docs]

Issue 7 item 6 asks for `dbt build` of all models at 10,000 clients. Building a
10,000-client world takes hours here, so this script measures on a platform that
exists already (its `WDP_HOME`, after at least one `wdp run`, so the raw tables
and `tax.client_tax_figures` are filled). It runs dbt exactly as the nightly
does (the project's dbt, the `wdp_transformer` role, dbt_project/profiles.yml)
but outside Dagster, so the figure is dbt's own:

- `dbt parse --no-partial-parse` N times (median), into a scratch target folder;
- `dbt build` once: every seed, model, snapshot, data test and unit test. The
  incremental models run incrementally, as in the nightly; `--full-refresh`
  rebuilds them from scratch instead (the first night's cost).

Reported: wall time, peak memory of the dbt process tree (RSS, sampled), the
node count by status and the slowest nodes (dbt's run_results.json), the
warehouse's client count and the load average. The platform's marts are rebuilt
from the same raw data: the same rows, so the platform is usable afterwards, but
do not run it while a `wdp run` of that platform is in progress. If the
platform's Postgres is not running it is started, and stopped again at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg2

from bench.report import replace_block
from bench.throwaway_platform import _SCRUBBED, PROJECT_ROOT, ProcessTreeSampler, machine_load
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_connection_env
from warehouse_ddl import Warehouse
from warehouse_ddl.settings import DEFAULT_PG_PORT, WarehouseSettings

DOCUMENT = PROJECT_ROOT / "docs" / "benchmarks.md"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


@dataclass
class DbtBuildMeasurement:
    wdp_home: str
    clients: int | None
    parse_s: list[float]
    build_s: float
    build_returncode: int
    build_peak_rss_mib: float
    full_refresh: bool
    status_counts: dict[str, int]
    slowest_nodes: list[tuple[str, float]]
    load_before: str
    load_after: str
    notes: list[str] = field(default_factory=list)

    @property
    def parse_median_s(self) -> float:
        return statistics.median(self.parse_s)


def running_port(home: Path) -> int | None:
    """The port of the platform's embedded server if it runs (postmaster.pid, line 4)."""
    try:
        lines = (home / "pgdata" / "postmaster.pid").read_text().splitlines()
        return int(lines[3])
    except (OSError, ValueError, IndexError):
        return None


def _dbt(
    arguments: list[str], environment: dict[str, str], target: Path
) -> tuple[subprocess.CompletedProcess[str], float, int]:
    command = [
        DBT_EXECUTABLE,
        *arguments,
        "--target-path",
        str(target),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**environment, "DBT_LOG_PATH": str(target)},
        cwd=DBT_PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with ProcessTreeSampler(process.pid) as sampler:
        stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    completed = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return completed, elapsed, sampler.peak_rss_bytes


def measure_dbt(
    home: Path,
    pg_port: int | None = None,
    parse_repeats: int = 3,
    full_refresh: bool = False,
    progress=print,
) -> DbtBuildMeasurement:
    home = home.expanduser().resolve()
    port = running_port(home) or pg_port or int(os.environ.get("WDP_PG_PORT", DEFAULT_PG_PORT))
    server = Warehouse(WarehouseSettings(home=home, external_admin_url=None, pg_port=port))
    was_running = running_port(home) is not None
    load_before = machine_load()
    server.start()
    try:
        base = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        base.update(WDP_HOME=str(home), WDP_PG_PORT=str(port))
        environment = {
            **base,
            **dbt_connection_env(server),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        clients = _client_count(server)
        parse_s = []
        for attempt in range(parse_repeats):
            with tempfile.TemporaryDirectory(prefix="wdp-bench-dbt-parse-") as target:
                completed, elapsed, _ = _dbt(
                    ["parse", "--quiet", "--no-partial-parse"], environment, Path(target)
                )
                if completed.returncode != 0:
                    raise RuntimeError(f"dbt parse failed:\n{completed.stdout[-3000:]}")
                parse_s.append(round(elapsed, 2))
                progress(f"dbt parse {attempt + 1}/{parse_repeats}: {elapsed:.1f} s")
        with tempfile.TemporaryDirectory(prefix="wdp-bench-dbt-build-") as target:
            arguments = ["build", *(["--full-refresh"] if full_refresh else [])]
            progress(f"dbt {' '.join(arguments)} against {home} ({clients} clients) ...")
            completed, build_s, peak_rss = _dbt(arguments, environment, Path(target))
            progress(f"dbt build: {build_s:.1f} s, exit {completed.returncode}")
            status_counts, slowest = _run_results(Path(target) / "run_results.json")
        notes = []
        if completed.returncode != 0:
            notes.append("dbt build failed: " + " | ".join(completed.stdout.splitlines()[-5:]))
        return DbtBuildMeasurement(
            wdp_home=str(home),
            clients=clients,
            parse_s=parse_s,
            build_s=round(build_s, 1),
            build_returncode=completed.returncode,
            build_peak_rss_mib=round(peak_rss / 2**20, 1),
            full_refresh=full_refresh,
            status_counts=status_counts,
            slowest_nodes=slowest,
            load_before=load_before,
            load_after=machine_load(),
            notes=notes,
        )
    finally:
        if not was_running:
            server.stop()


def _client_count(server: Warehouse) -> int | None:
    connection = psycopg2.connect(server.admin_url("warehouse"))
    try:
        with connection.cursor() as cursor:
            cursor.execute("select to_regclass('raw_app.clients') is not null")
            if not cursor.fetchone()[0]:
                return None
            cursor.execute("select count(*) from raw_app.clients")
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


def _run_results(path: Path, slowest: int = 10) -> tuple[dict[str, int], list[tuple[str, float]]]:
    try:
        results = json.loads(path.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return {}, []
    counts: dict[str, int] = {}
    for result in results:
        kind = result["unique_id"].split(".", 1)[0]
        key = f"{kind} {result['status']}"
        counts[key] = counts.get(key, 0) + 1
    timed = sorted(
        ((result["unique_id"], round(result["execution_time"], 1)) for result in results),
        key=lambda item: -item[1],
    )
    return dict(sorted(counts.items())), timed[:slowest]


def markdown(measurement: DbtBuildMeasurement) -> str:
    clients = f"{measurement.clients:,}" if measurement.clients is not None else "?"
    refresh = " --full-refresh" if measurement.full_refresh else ""
    lines = [
        f"`.venv/bin/python -m bench.bench_dbt --wdp-home {measurement.wdp_home}"
        f"{' --full-refresh' if measurement.full_refresh else ''}`; "
        f"load average {measurement.load_before} → {measurement.load_after}.",
        "",
        "| clients | `dbt parse` (no partial parse, median of "
        f"{len(measurement.parse_s)}) | `dbt build{refresh}` | exit | peak memory (dbt) |",
        "|---:|---:|---:|---:|---:|",
        f"| {clients} | {measurement.parse_median_s:.1f} s | {measurement.build_s:.1f} s "
        f"| {measurement.build_returncode} | {measurement.build_peak_rss_mib:,.0f} MiB |",
        "",
        "Nodes by status: "
        + ", ".join(f"{key}: {count}" for key, count in measurement.status_counts.items())
        + ".",
        "",
        "| slowest node | seconds |",
        "|---|---:|",
        *(f"| `{node}` | {seconds:.1f} |" for node, seconds in measurement.slowest_nodes),
    ]
    lines.extend(f"- note: {note}" for note in measurement.notes)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wdp-home", type=Path, required=True, help="WDP_HOME of the platform")
    parser.add_argument("--pg-port", type=int, help="its Postgres port, if it is not running")
    parser.add_argument("--parse-repeats", type=int, default=3)
    parser.add_argument("--full-refresh", action="store_true")
    parser.add_argument("--json", type=Path, help="append the measurement here (JSON lines)")
    parser.add_argument(
        "--write-docs", action="store_true", help="rewrite the dbt block of docs/benchmarks.md"
    )
    arguments = parser.parse_args(argv)
    if not (arguments.wdp_home / "pgdata" / "PG_VERSION").exists():
        parser.error(f"{arguments.wdp_home} holds no platform (no pgdata/PG_VERSION)")
    measurement = measure_dbt(
        arguments.wdp_home, arguments.pg_port, arguments.parse_repeats, arguments.full_refresh
    )
    rendered = markdown(measurement)
    print(rendered)
    if arguments.json:
        with arguments.json.open("a") as out:
            out.write(json.dumps({**asdict(measurement)}) + "\n")
    if arguments.write_docs:
        DOCUMENT.write_text(replace_block(DOCUMENT.read_text(), "dbt", rendered))
    return 0 if measurement.build_returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
