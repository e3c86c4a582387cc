"""Benchmark: the whole nightly run at several world sizes, as an operator runs it.

    .venv/bin/python -m bench.bench_nightly --clients 1000 2000 [--json OUT]

For each size, in a throwaway WDP_HOME on a free port (bench.throwaway_platform):
`wdp sandbox build --clients N` (timed, not part of the nightly), then `wdp run
--processes 4` (the full nightly: every asset of the code location as it is when
the bench runs, with every check, steps in processes of their own as the daemon
runs them), then the same again with nothing changed (same partition: the
offline Plaid's today is the world's as-of day). The offline Plaid runs in a
process of its own (`wdp sandbox plaid`), outside the measured tree. Each run: wall
time, peak memory of the `wdp run` process tree (RSS) and of the Postgres server
(PSS), and seconds per stage from the run's Dagster event log. Once, on the
smallest world: `dbt parse` without partial parsing and the time to load the
code location (import + asset graph + job).

Results are a list of dicts (JSON-ready) so `bench/__main__.py` can render them
into docs/benchmarks.md; the scaling exponent is a least-squares fit of
log(wall time) on log(clients).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.throwaway_platform import (
    PROJECT_ROOT,
    CommandOutcome,
    ThrowawayPlatform,
    machine_load,
    stage_durations_s,
)

AS_OF = "2026-11-20"
SEED = 42
# Steps at once in `wdp run --processes`: the four Plaid lanes (PLAID_POOLS) can
# overlap; the documents, events and app-database steps fill the gaps.
NIGHTLY_PROCESSES = 4


@dataclass
class RunMeasurement:
    """One `wdp run` of the nightly job."""

    succeeded: bool
    wall_s: float
    peak_rss_mib: float
    postgres_peak_pss_mib: float
    stage_s: dict[str, float]
    step_s: dict[str, float]
    # What made the run tree's peak: the steps running then and the largest processes.
    peak_steps: list[str] = field(default_factory=list)
    peak_processes_mib: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class NightlyMeasurement:
    clients: int
    build_s: float
    full: RunMeasurement
    rerun: RunMeasurement
    load_before: str
    load_after: str
    processes: int = 1
    dbt_parse_s: float | None = None
    code_location_load_s: float | None = None
    notes: list[str] = field(default_factory=list)


def _run_measurement(platform: ThrowawayPlatform, outcome: CommandOutcome) -> RunMeasurement:
    steps = platform.step_durations_s(outcome.run_id) if outcome.run_id else {}
    return RunMeasurement(
        succeeded=outcome.returncode == 0,
        wall_s=round(outcome.wall_s, 2),
        peak_rss_mib=round(outcome.peak_rss_bytes / 2**20, 1),
        postgres_peak_pss_mib=round(outcome.postgres_peak_pss_bytes / 2**20, 1),
        stage_s={stage: round(seconds, 2) for stage, seconds in stage_durations_s(steps).items()},
        step_s={step: round(seconds, 2) for step, seconds in sorted(steps.items())},
        peak_steps=(
            platform.steps_running_at(outcome.run_id, outcome.peak_at)
            if outcome.run_id and outcome.peak_at
            else []
        ),
        peak_processes_mib=[
            (label, round(size / 2**20, 1)) for label, size in outcome.peak_processes
        ],
    )


def measure_nightly(
    clients: int,
    with_parse_and_load: bool = False,
    progress=print,
    processes: int = NIGHTLY_PROCESSES,
) -> NightlyMeasurement:
    load_before = machine_load()
    with ThrowawayPlatform.create(prefix=f"wdp-bench-nightly-{clients}-") as platform:
        progress(f"[{clients} clients] sandbox build ...")
        build = platform.wdp(
            "sandbox", "build", "--clients", str(clients), "--seed", str(SEED), "--as-of", AS_OF
        )
        if build.returncode != 0:
            raise RuntimeError(build.explain())
        progress(f"[{clients} clients] built in {build.wall_s:.0f} s; full nightly run ...")
        # The offline Plaid answers from a process of its own, as Plaid answers
        # from elsewhere: its CPU and memory are not the nightly's.
        with platform.plaid_stand_in() as plaid:
            run = ("run", "--processes", str(processes))
            full = platform.wdp(*run, env=plaid.env)
            progress(f"[{clients} clients] full run {full.wall_s:.0f} s (exit {full.returncode})")
            notes = []
            if full.returncode != 0:
                notes.append(f"full run failed: {full.stderr.strip().splitlines()[-1:]}")
            rerun = platform.wdp(*run, env=plaid.env)
            progress(f"[{clients} clients] no-change rerun {rerun.wall_s:.0f} s")
        measurement = NightlyMeasurement(
            clients=clients,
            build_s=round(build.wall_s, 1),
            full=_run_measurement(platform, full),
            rerun=_run_measurement(platform, rerun),
            load_before=load_before,
            load_after=machine_load(),
            processes=processes,
            notes=notes,
        )
        if with_parse_and_load:
            measurement.dbt_parse_s = round(dbt_parse_s(platform), 2)
            measurement.code_location_load_s = round(code_location_load_s(platform), 2)
    return measurement


def dbt_parse_s(platform: ThrowawayPlatform) -> float:
    """Wall time of a full `dbt parse` (no partial parsing) into a scratch target folder."""
    from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_connection_env

    environment = platform.environment(
        {**dbt_connection_env(platform.warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    )
    with tempfile.TemporaryDirectory(prefix="wdp-bench-dbt-target-") as target:
        started = time.perf_counter()
        subprocess.run(
            [
                DBT_EXECUTABLE,
                "parse",
                "--quiet",
                "--no-partial-parse",
                "--target-path",
                target,
                "--project-dir",
                str(PROJECT_ROOT / "dbt_project"),
                "--profiles-dir",
                str(PROJECT_ROOT / "dbt_project"),
            ],
            check=True,
            env=environment,
            cwd=PROJECT_ROOT,
        )
        return time.perf_counter() - started


_LOAD_CODE_LOCATION = """
import time
started = time.perf_counter()
from orchestration.definitions import defs
defs.resolve_asset_graph()
defs.resolve_implicit_global_asset_job_def()
defs.resolve_job_def("nightly")
print(time.perf_counter() - started)
"""


def code_location_load_s(platform: ThrowawayPlatform) -> float:
    """Seconds to import the code location and resolve its asset graph and jobs.

    The dbt manifest exists already (the runs before prepared it), as in a
    deployed code server; interpreter start-up is not included.
    """
    completed = subprocess.run(
        [sys.executable, "-c", _LOAD_CODE_LOCATION],
        check=True,
        capture_output=True,
        text=True,
        env=platform.environment(),
        cwd=PROJECT_ROOT,
    )
    return float(completed.stdout.strip().splitlines()[-1])


def scaling_exponent(points: list[tuple[int, float]]) -> float | None:
    """Slope of log(seconds) against log(clients), least squares; None below two sizes."""
    if len({clients for clients, _ in points}) < 2:
        return None
    xs = [math.log(clients) for clients, _ in points]
    ys = [math.log(seconds) for _, seconds in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    numerator = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    denominator = sum((x - mean_x) ** 2 for x in xs)
    return numerator / denominator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 2000, 5000, 10000])
    parser.add_argument("--json", type=Path, help="append each measurement here (JSON lines)")
    parser.add_argument("--processes", type=int, default=NIGHTLY_PROCESSES)
    arguments = parser.parse_args(argv)
    for index, clients in enumerate(arguments.clients):
        measurement = measure_nightly(
            clients, with_parse_and_load=index == 0, processes=arguments.processes
        )
        line = json.dumps(asdict(measurement))
        print(line, flush=True)
        if arguments.json:
            with arguments.json.open("a") as out:
                out.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
