"""End-to-end fixtures: a sandbox world built and run through the real `wdp` command."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from warehouse_ddl import Warehouse

WDP = str(Path(sys.executable).with_name("wdp"))


@dataclass(frozen=True)
class SlicedWorld:
    """A world built by `wdp sandbox build` and the outcome of the first `wdp run`."""

    world_dir: Path
    first_run: subprocess.CompletedProcess[str]

    def truth_clients(self) -> list[dict[str, str]]:
        with open(self.world_dir / "truth" / "clients.csv", newline="") as truth:
            return list(csv.DictReader(truth))


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
    first_run = wdp("run")
    return SlicedWorld(warehouse.settings.home / "sandbox", first_run)
