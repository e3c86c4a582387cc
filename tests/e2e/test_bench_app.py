"""The app latency harness (bench.bench_app) runs on a filled platform and produces its table.

No timing is asserted (performance lives in bench/ only): the table must have a
row per measurement, every page of every persona must have rendered without an
exception, and every sampled snapshot must have come back.
"""

from __future__ import annotations

from bench.bench_app import PAGES_BY_PERSONA, measure_app_latency
from tests.e2e.conftest import SlicedWorld
from warehouse_ddl import Warehouse


def test_the_latency_harness_measures_every_page_and_the_snapshot(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    assert sliced_world.first_run.returncode == 0, sliced_world.first_run.stderr[-3000:]
    table = measure_app_latency(warehouse.settings.home, snapshots=4, page_runs=1)
    header, _, columns, rule, *rows = table.splitlines()
    assert "active clients" in header and "load average" in header
    assert columns.startswith("| measurement | role | runs | p50 | p95 | max | target |")
    assert rule.startswith("|---")
    assert "failed" not in table, table
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    measured = {(cell[0], cell[1]): int(cell[2]) for cell in cells}
    assert (
        measured[
            ("`concierge.client_snapshot` (audited DB function + decryption)", "concierge lead")
        ]
        == 4
    )
    for persona, pages in PAGES_BY_PERSONA.items():
        role = persona.replace("_", " ")
        for page in pages:
            assert measured[(f"page `{page}` warm", role)] == 1, (page, role)
            assert measured[(f"page `{page}` uncached", role)] == 1, (page, role)
    searches = [key for key in measured if "search a last name" in key[0]]
    assert {role for _, role in searches} == {"concierge", "concierge lead"}
    assert all(measured[key] >= 1 for key in searches)
