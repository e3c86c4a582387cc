"""`make drill`: run the fault drills against a throwaway platform and print their table.

    .venv/bin/python -m drills [--clients 20] [--drills kill_9_mid_load,plaid_5xx] [--json OUT]

Environment (what `make drill` passes on): `DRILL_CLIENTS`, `DRILLS` (comma-separated
names; default all, in the order of drills.catalog.DRILLS). Exit 1 if any drill
lost or duplicated a row, missed its alert, or could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from bench.report import replace_block
from bench.throwaway_platform import PROJECT_ROOT, machine_load
from drills.catalog import DRILLS, DrillResult, run_drill
from drills.session import DrillSession

DOCUMENT = PROJECT_ROOT / "docs" / "benchmarks.md"


def render_table(results: list[DrillResult]) -> str:
    lines = [
        "| drill | fault | run finished? | rows lost | rows duplicated | alert expected "
        "| alerts fired | right alert? |",
        "|---|---|---|---:|---:|---|---|---|",
    ]
    for result in results:
        lost = "-" if result.rows_lost is None else str(result.rows_lost)
        duplicated = "-" if result.rows_duplicated is None else str(result.rows_duplicated)
        fired = ", ".join(result.alerts_fired) or "none"
        lines.append(
            f"| {result.name} | {result.fault} | {result.finished} | {lost} | {duplicated} "
            f"| {result.alert_expected} | {fired} | {'yes' if result.alert_ok else 'NO'} |"
        )
    return "\n".join(lines)


def render_notes(results: list[DrillResult]) -> str:
    return "\n".join(f"- {result.name}: {'; '.join(result.notes)}" for result in results)


def run_drills(clients: int, names: list[str], progress=print) -> list[DrillResult]:
    results = []
    with DrillSession.start(clients, progress=progress) as session:
        for name in names:
            progress(f"drill {name} ...")
            result = run_drill(session, name)
            progress(
                f"drill {name}: finished {result.finished}, lost {result.rows_lost}, "
                f"duplicated {result.rows_duplicated}, alerts {result.alerts_fired}"
            )
            results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=int(os.environ.get("DRILL_CLIENTS", 20)))
    parser.add_argument("--drills", default=os.environ.get("DRILLS", ""))
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument(
        "--write-docs", action="store_true", help="rewrite the drills block of docs/benchmarks.md"
    )
    arguments = parser.parse_args(argv)
    names = [name for name in arguments.drills.split(",") if name] or list(DRILLS)
    unknown = sorted(set(names) - set(DRILLS))
    if unknown:
        print(f"unknown drills {unknown}; known: {', '.join(DRILLS)}", file=sys.stderr)
        return 2
    load_before = machine_load()
    results = run_drills(arguments.clients, names)
    header = f"{arguments.clients}-client world; load average {load_before} -> {machine_load()}"
    print(f"\n{header}\n")
    print(render_table(results))
    print()
    print(render_notes(results))
    if arguments.write_docs:
        document = DOCUMENT.read_text()
        body = f"{header}\n\n{render_table(results)}\n\n{render_notes(results)}"
        DOCUMENT.write_text(replace_block(document, "drills", body))
    if arguments.json:
        arguments.json.write_text(json.dumps([asdict(result) for result in results], indent=2))
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
