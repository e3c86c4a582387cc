"""The benchmark report: scaling fit, stage attribution, generated blocks and the plot."""

import xml.etree.ElementTree as ElementTree

import pytest

from bench.bench_nightly import scaling_exponent
from bench.report import nightly_markdown, nightly_svg, replace_block, steps_markdown
from bench.throwaway_platform import stage_durations_s, stage_of_step


def _measurement(clients: int, full_s: float, rerun_s: float) -> dict:
    def run(wall_s: float) -> dict:
        return {
            "succeeded": True,
            "wall_s": wall_s,
            "peak_rss_mib": 700.0,
            "postgres_peak_pss_mib": 300.0,
            "stage_s": {"plaid": wall_s / 2, "dbt": wall_s / 4},
            "step_s": {"raw_plaid__transactions": wall_s / 2},
        }

    return {
        "clients": clients,
        "build_s": 10.0,
        "full": run(full_s),
        "rerun": run(rerun_s),
        "load_before": "1.00 / 1.00 / 1.00",
        "load_after": "2.00 / 1.50 / 1.00",
        "notes": [],
    }


def test_the_exponent_of_a_power_law_is_recovered() -> None:
    points = [(clients, 3.0 * clients**1.25) for clients in (1000, 2000, 5000)]
    assert scaling_exponent(points) == pytest.approx(1.25)
    assert scaling_exponent([(1000, 5.0)]) is None


def test_steps_are_attributed_to_their_stage() -> None:
    assert stage_of_step("raw_plaid__transactions") == "plaid"
    assert stage_of_step("raw_documents__files") == "documents"
    assert stage_of_step("raw_app__clients") == "app db"
    totals = stage_durations_s({"raw_plaid__items": 2.0, "raw_plaid__accounts": 3.0})
    assert totals["plaid"] == 5.0
    assert sum(totals.values()) == 5.0


def test_a_block_is_replaced_in_place_and_the_prose_kept() -> None:
    document = "# Benchmarks\n\nprose before\n\n<!-- bench:x -->\nold\n<!-- /bench:x -->\n\nafter\n"
    updated = replace_block(document, "x", "new table")
    assert "old" not in updated
    assert "prose before" in updated and "after" in updated
    assert replace_block(updated, "x", "new table") == updated
    appended = replace_block(document, "y", "other")
    assert appended.endswith("<!-- bench:y -->\nother\n<!-- /bench:y -->\n")


def test_a_missed_target_is_reported_as_missed() -> None:
    slow = [_measurement(1000, 300.0, 200.0), _measurement(2000, 900.0, 500.0)]
    exponent = scaling_exponent([(m["clients"], m["full"]["wall_s"]) for m in slow])
    text = nightly_markdown(slow, exponent, None)
    assert "**misses target**" in text
    assert "1.58" in text  # log(3)/log(2)


def test_the_plot_is_well_formed_svg() -> None:
    measurements = [_measurement(1000, 120.0, 20.0), _measurement(2000, 230.0, 25.0)]
    svg = nightly_svg(measurements, scaling_exponent([(1000, 120.0), (2000, 230.0)]))
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own generated SVG
    assert root.tag.endswith("svg")
    assert len(root.findall("{http://www.w3.org/2000/svg}circle")) == 4


def test_the_peak_names_its_steps_and_largest_processes() -> None:
    measurement = _measurement(10_000, 900.0, 300.0)
    measurement["full"]["peak_steps"] = ["raw_plaid__transactions", "raw_documents"]
    measurement["full"]["peak_processes_mib"] = [["4242 python3 -c forkserver", 512.4]]
    text = steps_markdown(measurement)
    assert "these steps ran: `raw_plaid__transactions`, `raw_documents`" in text
    assert "| `4242 python3 -c forkserver` | 512 |" in text
    del measurement["full"]["peak_processes_mib"]
    assert "peak" not in steps_markdown(measurement)
