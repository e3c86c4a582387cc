"""End-to-end fixtures: a sandbox world built and run through the real `wdp` command."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from warehouse_ddl import Warehouse

WDP = str(Path(sys.executable).with_name("wdp"))
FIRST_RUN_PROCESSES = 2


@dataclass(frozen=True)
class Event:
    """One Segment message of the world's event files."""

    message_id: str
    type: str
    event: str | None
    user_id: str | None
    anonymous_id: str | None
    timestamp: str
    name: str | None = None


def feature_of(event: Event) -> tuple[str, str] | None:
    """(event type, feature name) of a feature use: an action or a page view; else None."""
    if event.type == "track":
        return ("track", event.event or "(unnamed)")
    if event.type == "page":
        return ("page", event.name or "(unnamed)")
    return None


@dataclass(frozen=True)
class SlicedWorld:
    """A world built by `wdp sandbox build` and the outcome of the first `wdp run`."""

    world_dir: Path
    first_run: subprocess.CompletedProcess[str]

    def truth_clients(self) -> list[dict[str, str]]:
        with open(self.world_dir / "truth" / "clients.csv", newline="") as truth:
            return list(csv.DictReader(truth))

    def events(self) -> list[Event]:
        """Every event of the world's files, each messageId once (re-deliveries dropped)."""
        seen: dict[str, Event] = {}
        for path in sorted((self.world_dir / "events").glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                message = json.loads(line)
                seen.setdefault(
                    message["messageId"],
                    Event(
                        message_id=message["messageId"],
                        type=message["type"],
                        event=message.get("event"),
                        user_id=message.get("userId"),
                        anonymous_id=message.get("anonymousId"),
                        timestamp=message["timestamp"],
                        name=message.get("name"),
                    ),
                )
        return list(seen.values())


def wdp(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WDP, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=1800,
        check=False,
    )


@pytest.fixture(scope="session")
def sliced_world(warehouse: Warehouse) -> SlicedWorld:
    built = wdp("sandbox", "build", "--clients", "60", "--seed", "11", "--as-of", "2026-11-20")
    assert built.returncode == 0, built.stderr
    # As the daemon runs the nightly: steps in processes of their own, two at a time
    # (tests/e2e/test_thin_slice.py checks that they did).
    first_run = wdp("run", "--processes", str(FIRST_RUN_PROCESSES))
    return SlicedWorld(warehouse.settings.home / "sandbox", first_run)
