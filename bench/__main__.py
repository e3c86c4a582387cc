"""`make bench`: run the benchmarks and (re)write their blocks of docs/benchmarks.md.

    .venv/bin/python -m bench [--sizes 1000,2000,5000,10000] [--skip-components]
                              [--from-json FILE] [--latency-home WDP_HOME]

Environment (what `make bench` passes on): `BENCH_SIZES` (comma-separated client
counts of the nightly run; a quick development run: `BENCH_SIZES=200,400`),
`BENCH_COMPONENTS=0` to skip the per-component benchmarks, `BENCH_FROM_JSON`
to render earlier measurements (JSON lines of bench.bench_nightly) instead of
measuring again, `BENCH_LATENCY_HOME` the filled platform whose dbt build and app latency to
measure (bench.bench_dbt, bench.bench_app; the nightly's throwaway platforms
are gone by then).

What runs, in order:
1. the whole nightly at each size (bench.bench_nightly), with the scaling
   exponent, the no-change rerun, `dbt parse` and the code-location load time;
   a plot docs/benchmarks-nightly.svg;
2. the load path vs a plain COPY vs pandas.to_sql, from whatever
   bench.bench_plaid exposes (`compare_load_paths()`);
3. on the platform of `--latency-home`: `dbt parse` and `dbt build` of every
   model (bench.bench_dbt), then the client snapshot and page latency
   (bench.bench_app);
4. each component benchmark script (bench_sandbox.py ...), whose Markdown
   output is kept in its own block.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from bench.bench_nightly import measure_nightly, scaling_exponent
from bench.report import nightly_markdown, nightly_svg, replace_block, steps_markdown
from bench.throwaway_platform import PROJECT_ROOT, machine_load

DOCUMENT = PROJECT_ROOT / "docs" / "benchmarks.md"
PLOT = PROJECT_ROOT / "docs" / "benchmarks-nightly.svg"
COMPONENT_BENCHMARKS = (
    "bench_sandbox.py",
    "bench_sandbox_plaid.py",
    "bench_app_db.py",
    "bench_plaid.py",
    "bench_documents.py",
)
DEFAULT_SIZES = "1000,2000,5000,10000"


def load_path_markdown() -> str:
    """Load path vs COPY vs to_sql, measured by bench.bench_plaid if it offers it."""
    module = importlib.import_module("bench.bench_plaid")
    compare = getattr(module, "compare_load_paths", None)
    if compare is None:
        return (
            "not measured: bench/bench_plaid.py exposes no `compare_load_paths()` yet "
            "(expected: returns the Markdown table of rows/s for the load path, a plain COPY "
            "and DataFrame.to_sql on the same rows in the same run)."
        )
    result = compare()
    if isinstance(result, str):
        return result
    rows = list(result)
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[key]) for key in header) + " |" for row in rows]
    return "\n".join(lines)


def latency_markdown(home: Path | None) -> str:
    """Snapshot and page latency p50/p95 on the filled platform in `home` (bench.bench_app)."""
    if home is None:
        return (
            "not measured in this run: give `--latency-home` (or `BENCH_LATENCY_HOME`), the "
            "`WDP_HOME` of a platform `wdp run` has filled (10,000 clients for the target), or run "
            "`python -m bench.bench_app --home DIR --write-docs` on its own."
        )
    from bench.bench_app import measure_app_latency

    return measure_app_latency(home)


def run_components() -> dict[str, str]:
    outputs = {}
    for script in COMPONENT_BENCHMARKS:
        print(f"\n## {script}\n", flush=True)
        completed = subprocess.run(
            [sys.executable, str(PROJECT_ROOT / "bench" / script)],
            capture_output=True,
            text=True,
            check=False,
            cwd=PROJECT_ROOT,
        )
        print(completed.stdout[-4000:])
        status = "" if completed.returncode == 0 else f"\n\n(exit {completed.returncode})"
        outputs[script] = (
            f"Latest `make bench` output (load average {machine_load()} when it ended):\n\n"
            f"{completed.stdout.strip()}{status}"
        )
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", DEFAULT_SIZES))
    parser.add_argument(
        "--skip-components",
        action="store_true",
        default=os.environ.get("BENCH_COMPONENTS", "1") == "0",
    )
    parser.add_argument("--from-json", type=Path, default=os.environ.get("BENCH_FROM_JSON"))
    parser.add_argument(
        "--latency-home", type=Path, default=os.environ.get("BENCH_LATENCY_HOME") or None
    )
    arguments = parser.parse_args(argv)

    if arguments.from_json:
        measurements = [
            json.loads(line) for line in Path(arguments.from_json).read_text().splitlines() if line
        ]
    else:
        sizes = [int(size) for size in arguments.sizes.split(",") if size]
        measurements = []
        for index, clients in enumerate(sizes):
            measurement = measure_nightly(clients, with_parse_and_load=index == 0)
            measurements.append(asdict(measurement))
    exponent = scaling_exponent([(m["clients"], m["full"]["wall_s"]) for m in measurements])
    document = DOCUMENT.read_text() if DOCUMENT.exists() else "# Benchmarks\n"
    PLOT.write_text(nightly_svg(measurements, exponent))
    nightly = nightly_markdown(measurements, exponent, PLOT.name)
    largest = max(measurements, key=lambda m: m["clients"])
    document = replace_block(document, "nightly", nightly + "\n\n" + steps_markdown(largest))
    document = replace_block(document, "load-paths", load_path_markdown())
    if arguments.latency_home is not None:
        # dbt first: the latency is then measured on marts this code built.
        from bench.bench_dbt import markdown as dbt_markdown
        from bench.bench_dbt import measure_dbt

        document = replace_block(document, "dbt", dbt_markdown(measure_dbt(arguments.latency_home)))
    if arguments.latency_home is not None or "<!-- bench:latency -->" not in document:
        # Without a platform to measure, an earlier measurement stays in the document.
        document = replace_block(document, "latency", latency_markdown(arguments.latency_home))
    if not arguments.skip_components:
        for script, output in run_components().items():
            document = replace_block(document, f"component:{script}", output)
    DOCUMENT.write_text(document)
    print(nightly)
    print(f"\nwrote {DOCUMENT.relative_to(PROJECT_ROOT)} and {PLOT.relative_to(PROJECT_ROOT)}")
    return 0 if all(m["full"]["succeeded"] for m in measurements) else 1


if __name__ == "__main__":
    raise SystemExit(main())
