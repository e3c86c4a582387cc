"""The code location loads: asset graph, checks, jobs, schedule and resources."""

from datetime import UTC, datetime

import dagster as dg
import pytest

from orchestration.defs.dbt.project import prepare_dbt_manifest


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    prepare_dbt_manifest()
    from orchestration.definitions import defs

    return defs


def test_asset_graph_has_the_slice(defs: dg.Definitions) -> None:
    keys = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    assert {"raw_app/clients", "staging/stg_app__clients", "marts/dim_clients"} <= keys


def test_dbt_source_is_wired_to_the_loader_asset(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    staging = graph.get(dg.AssetKey(["staging", "stg_app__clients"]))
    assert dg.AssetKey(["raw_app", "clients"]) in staging.parent_keys


def test_gx_check_is_blocking_and_dbt_tests_are_checks(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    gx_key = dg.AssetCheckKey(dg.AssetKey(["raw_app", "clients"]), "gx_raw_app__clients")
    assert gx_key in graph.asset_check_keys
    assert graph.get_check_spec(gx_key).blocking
    dbt_checks = {key.name for key in graph.asset_check_keys}
    assert "unique_dim_clients_client_key" in dbt_checks


def test_nightly_job_and_schedule(defs: dg.Definitions) -> None:
    job = defs.resolve_job_def("nightly")
    assert job.partitions_def is not None
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "America/New_York"
    assert schedule.job_name == "nightly"


def test_nightly_schedule_loads_the_new_york_day_that_ended(defs: dg.Definitions) -> None:
    schedule = defs.resolve_schedule_def("nightly_schedule")
    # 02:00 New York on 2026-03-09 (after the DST change) is 06:00 UTC.
    moment = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)
    with dg.build_schedule_context(
        scheduled_execution_time=moment, repository_def=defs.get_repository_def()
    ) as context:
        request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-03-08"


def test_resources_are_bound(defs: dg.Definitions) -> None:
    assert {"warehouse", "keyring", "app_database", "dbt"} <= set(defs.resources)


def test_run_failure_sensor_alerts(defs: dg.Definitions) -> None:
    sensor = defs.resolve_sensor_def("alert_on_run_failure")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_marts_have_a_freshness_policy_and_staging_does_not(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    mart = graph.get(dg.AssetKey(["marts", "dim_clients"]))
    assert mart.freshness_policy is not None
    assert mart.freshness_policy.fail_window.to_timedelta().total_seconds() == 30 * 3600
    assert graph.get(dg.AssetKey(["staging", "stg_app__clients"])).freshness_policy is None
