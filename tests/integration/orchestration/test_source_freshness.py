"""dbt source freshness verdicts become asset checks on the raw assets dbt reads."""

import dagster as dg
import pytest

from orchestration.defs.dbt.project import prepare_dbt_manifest


@pytest.fixture(scope="module")
def freshness():
    prepare_dbt_manifest()
    from orchestration.defs.dbt import source_freshness

    return source_freshness


def test_declared_sources_map_to_their_loader_assets(freshness) -> None:
    manifest = {
        "sources": {
            "source.wdp.app.clients": {
                "freshness": {"warn_after": {"count": 36, "period": "hour"}, "error_after": {}},
                "meta": {"dagster": {"asset_key": ["raw_app", "clients"]}},
            },
            "source.wdp.app.no_window": {
                "freshness": {"warn_after": {"count": None}, "error_after": {"count": None}},
                "meta": {"dagster": {"asset_key": ["raw_app", "goals"]}},
            },
            "source.wdp.app.no_asset": {"freshness": {"warn_after": {"count": 1}}, "meta": {}},
        }
    }
    assert freshness.sources_with_freshness(manifest) == {
        dg.AssetKey(["raw_app", "clients"]): "source.wdp.app.clients"
    }


@pytest.mark.parametrize(
    ("status", "passed", "severity"),
    [
        ("pass", True, dg.AssetCheckSeverity.ERROR),
        ("warn", False, dg.AssetCheckSeverity.WARN),
        ("error", False, dg.AssetCheckSeverity.ERROR),
        ("runtime error", False, dg.AssetCheckSeverity.ERROR),
    ],
)
def test_verdicts_become_check_results(freshness, status, passed, severity) -> None:
    result = freshness.freshness_check_result(
        dg.AssetKey(["raw_events", "events"]),
        {"status": status, "max_loaded_at_time_ago_in_s": 7200.0, "max_loaded_at": "x"},
    )
    assert (result.passed, result.severity) == (passed, severity)
    assert result.metadata["hours_since_last_load"].value == 2.0


def test_a_source_dbt_did_not_measure_fails(freshness) -> None:
    result = freshness.freshness_check_result(dg.AssetKey(["raw_app", "clients"]), None)
    assert not result.passed and "not evaluated" in result.description
