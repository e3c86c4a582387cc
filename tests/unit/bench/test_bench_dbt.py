"""bench.bench_dbt's reading of dbt's run_results.json and its report."""

import json
from pathlib import Path

from bench.bench_dbt import DbtBuildMeasurement, _run_results, markdown


def test_run_results_are_counted_by_kind_and_status_and_the_slowest_come_first(
    tmp_path: Path,
) -> None:
    results = [
        {"unique_id": "model.wdp.fct_a", "status": "success", "execution_time": 1.04},
        {"unique_id": "model.wdp.fct_b", "status": "error", "execution_time": 7.5},
        {"unique_id": "test.wdp.unique_a.1", "status": "pass", "execution_time": 0.2},
        {"unique_id": "test.wdp.unique_b.2", "status": "warn", "execution_time": 3.0},
    ]
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps({"results": results}))
    counts, slowest = _run_results(path, slowest=2)
    assert counts == {"model error": 1, "model success": 1, "test pass": 1, "test warn": 1}
    assert slowest == [("model.wdp.fct_b", 7.5), ("test.wdp.unique_b.2", 3.0)]
    assert _run_results(tmp_path / "missing.json") == ({}, [])


def test_the_report_names_the_build_its_median_parse_and_failures() -> None:
    measurement = DbtBuildMeasurement(
        wdp_home="/work/p10k",
        clients=10000,
        parse_s=[13.3, 16.8, 13.5],
        build_s=157.2,
        build_returncode=1,
        build_peak_rss_mib=184.0,
        full_refresh=True,
        status_counts={"model success": 69},
        slowest_nodes=[("model.wdp.fct_transactions", 37.2)],
        load_before="1.0 / 1.0 / 1.0",
        load_after="2.0 / 2.0 / 2.0",
        notes=["dbt build failed: boom"],
    )
    report = markdown(measurement)
    assert "| 10,000 | 13.5 s | 157.2 s | 1 | 184 MiB |" in report
    assert "`dbt build --full-refresh`" in report
    assert "| `model.wdp.fct_transactions` | 37.2 |" in report
    assert "- note: dbt build failed: boom" in report
