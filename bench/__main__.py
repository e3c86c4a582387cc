"""`make bench`: run every benchmark of this folder in turn and print its Markdown.

Each script is a benchmark of one part (see its docstring); their results are
copied, with the conditions of the run, into docs/benchmarks.md.
"""

import subprocess
import sys
from pathlib import Path

BENCHMARKS = (
    "bench_sandbox.py",
    "bench_sandbox_plaid.py",
    "bench_app_db.py",
    "bench_plaid.py",
    "bench_documents.py",
)


def main() -> int:
    folder = Path(__file__).parent
    failed = []
    for script in BENCHMARKS:
        print(f"\n## {script}\n", flush=True)
        if subprocess.run([sys.executable, str(folder / script)], check=False).returncode:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
