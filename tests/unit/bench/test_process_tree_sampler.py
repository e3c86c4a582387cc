"""The benchmark's memory sampler: the peak of a process tree and what made it (its
processes, and the Dagster steps running then)."""

import datetime as dt
import subprocess
import sys
import time

from bench.throwaway_platform import ProcessTreeSampler, steps_running_at

_HOLD_64_MIB = "import time; block = bytearray(64 * 2**20); time.sleep(3)"


def test_the_peak_names_the_process_that_made_it() -> None:
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys; subprocess.run([sys.executable, '-c', {_HOLD_64_MIB!r}])",
        ]
    )
    try:
        with ProcessTreeSampler(parent.pid, interval_s=0.05, proportional=True) as sampler:
            parent.wait(timeout=30)
            time.sleep(0.1)
    finally:
        parent.kill()
    assert sampler.peak_at is not None
    assert sampler.peak_rss_bytes >= 64 * 2**20
    largest_label, largest_bytes = sampler.peak_processes[0]
    assert "bytearray" in largest_label
    assert largest_bytes >= 64 * 2**20
    assert sum(size for _, size in sampler.peak_processes) <= sampler.peak_rss_bytes


def test_the_steps_running_at_a_moment_come_from_the_event_log() -> None:
    at = dt.datetime(2026, 12, 6, 19, 0)  # naive UTC, as Dagster stores it
    events = [
        ("raw_plaid__transactions", "STEP_START", at),
        ("raw_documents", "STEP_START", at + dt.timedelta(seconds=1)),
        ("raw_documents", "STEP_SUCCESS", at + dt.timedelta(seconds=5)),
        ("wdp_dbt_models", "STEP_START", at + dt.timedelta(seconds=20)),
    ]
    peak = (at + dt.timedelta(seconds=10)).replace(tzinfo=dt.UTC)
    assert steps_running_at(events, peak) == ["raw_plaid__transactions"]
    assert steps_running_at(events, peak - dt.timedelta(seconds=8)) == [
        "raw_plaid__transactions",
        "raw_documents",
    ]
