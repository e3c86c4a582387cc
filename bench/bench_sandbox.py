"""Benchmark: build a sandbox world and report wall time, peak memory and output sizes.

    .venv/bin/python bench/bench_sandbox.py --clients 10000 [--app-db-url URL] [--out DIR]

Peak memory is the largest resident set of this process and of any worker process
(the build forks workers for big worlds). Target (issue 3): 10,000 clients in under
2 minutes and under 2 GiB on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sandbox import build_world


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 6, 30))
    parser.add_argument("--app-db-url", default=None)
    parser.add_argument("--out", type=Path, default=None, help="keep the world here")
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    started = time.perf_counter()
    marks: list[tuple[float, str]] = []
    summary = build_world(
        out,
        clients=args.clients,
        seed=args.seed,
        as_of=args.as_of,
        app_database_url=args.app_db_url,
        progress=lambda message: marks.append((time.perf_counter() - started, message)),
    )
    elapsed = time.perf_counter() - started
    usage_self = resource.getrusage(resource.RUSAGE_SELF)
    usage_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_self = usage_self.ru_maxrss / 1024
    peak_children = usage_children.ru_maxrss / 1024
    # CPU seconds do not depend on what else the machine runs; wall time does.
    cpu_seconds = sum(u.ru_utime + u.ru_stime for u in (usage_self, usage_children))
    for seconds, message in marks:
        print(f"  {seconds:7.1f} s  {message}")
    print(f"clients                 {summary.clients}")
    print(f"items / accounts        {summary.items} / {summary.accounts}")
    print(f"bank transactions       {summary.bank_transactions}")
    print(f"investment transactions {summary.investment_transactions}")
    print(f"events                  {summary.events}")
    print(f"documents               {summary.documents}")
    print(f"wall time               {elapsed:.1f} s")
    print(f"CPU time (all procs)    {cpu_seconds:.1f} s")
    print(f"peak RSS main / worker  {peak_self:.0f} MiB / {peak_children:.0f} MiB")
    for name in ("plaid", "events", "truth", "documents"):
        print(f"size {name:<18} {_folder_bytes(out / name) / 2**20:.0f} MiB")
    if args.out is None:
        shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
