"""Benchmark: requests per second of the offline Plaid server.

    .venv/bin/python bench/bench_sandbox_plaid.py [--world DIR] [--seconds 10] [--threads 4]

Builds a 200-client world unless --world is given, starts the server, and has
`--threads` keep-alive HTTP clients post small requests (/item/get, ~0.5 KB answer)
and, separately, /accounts/balance/get and /transactions/sync (first page of 100)
for the world's items. Target (issue 3): at least 500 requests/s for small responses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from sandbox import PlaidSandboxServer, build_world


def _hammer(port: int, path: str, bodies: list[bytes], seconds: float, results: list[int]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {
        "Content-Type": "application/json",
        "PLAID-CLIENT-ID": "bench",
        "PLAID-SECRET": "bench",
    }
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        connection.request("POST", path, body=bodies[done % len(bodies)], headers=headers)
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{path} answered {answer.status}")
        done += 1
    connection.close()
    results.append(done)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    world = args.world
    if world is None:
        world = Path(tempfile.mkdtemp(prefix="bench-plaid-"))
        build_world(world, clients=200, as_of=dt.date(2025, 6, 30), app_database_url=None)
    try:
        with PlaidSandboxServer(world) as server:
            store = server.app.store
            tokens = [token for token, _, _ in store.access_tokens(limit=500)]
            bank_tokens = [t for t in tokens if "transactions" in store.item_for_token(t).products]  # type: ignore[union-attr]
            for path, extra, chosen in (
                ("/item/get", {}, tokens),
                ("/accounts/balance/get", {}, tokens),
                ("/transactions/sync", {"count": 100}, bank_tokens),
            ):
                bodies = [json.dumps({"access_token": t, **extra}).encode() for t in chosen]
                results: list[int] = []
                threads = [
                    threading.Thread(
                        target=_hammer, args=(server.port, path, bodies, args.seconds, results)
                    )
                    for _ in range(args.threads)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                rate = sum(results) / args.seconds
                print(f"{path:<24} {rate:8.0f} requests/s ({args.threads} clients, keep-alive)")
    finally:
        if args.world is None:
            shutil.rmtree(world)
    return 0


if __name__ == "__main__":
    sys.exit(main())
