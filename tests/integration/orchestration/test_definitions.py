"""The code location loads: asset graph, checks, jobs, schedule, sensors, pools and resources."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
import yaml

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
    # The daemon's nightly runs fork their steps from the preloaded code location.
    run_config = job.partitioned_config.get_run_config_for_partition_key("2026-11-20")
    multiprocess = run_config["execution"]["config"]["multiprocess"]
    assert multiprocess["start_method"]["forkserver"]["preload_modules"] == [
        "orchestration.step_process_preload"
    ]


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


def test_sensors_and_jobs_resolve(defs: dg.Definitions) -> None:
    assert {sensor.name for sensor in defs.sensors} >= {
        "documents_landing_sensor",
        "alert_on_run_failure",
    }
    documents_sensor = defs.resolve_sensor_def("documents_landing_sensor")
    assert documents_sensor.job_name == "documents"
    assert documents_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    documents_job = defs.resolve_job_def("documents")
    assert {key.path[0] for key in documents_job.asset_layer.executable_asset_keys} == {
        "raw_documents"
    }


def test_api_bound_assets_retry_with_backoff_in_their_endpoint_pool(
    defs: dg.Definitions,
) -> None:
    graph = defs.resolve_asset_graph()
    plaid_keys = [key for key in graph.get_all_asset_keys() if key.path[0] == "raw_plaid"]
    assert plaid_keys
    pools: dict[str, set[str]] = {}
    for key in plaid_keys:
        op = defs.resolve_assets_def(key).op
        assert op.pool is not None and op.pool.startswith("plaid_api"), key
        pools.setdefault(op.pool, set()).add(key.path[-1])
        assert op.retry_policy is not None and op.retry_policy.max_retries >= 1, key
        assert op.retry_policy.backoff == dg.Backoff.EXPONENTIAL, key
        assert op.retry_policy.jitter is not None, key
    # Endpoints run in parallel; the snapshots (they move the sandbox clock) share one pool.
    assert pools["plaid_api"] >= {"balances_daily", "holdings_daily", "liabilities_credit"}
    assert len(pools) == 4, pools
    assert pools["plaid_api_transactions_sync"] == {"transactions"}


def test_the_instance_caps_the_plaid_pool() -> None:
    instance_config = yaml.safe_load(
        (Path(__file__).parents[3] / "orchestration" / "dagster.yaml").read_text()
    )
    assert instance_config["concurrency"]["pools"]["default_limit"] == 1


def test_every_mart_has_a_blocking_gx_suite(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    marts = [key for key in graph.get_all_asset_keys() if key.path[0] == "marts"]
    assert len(marts) >= 6
    for key in marts:
        check_key = dg.AssetCheckKey(key, f"gx_marts__{key.path[-1]}")
        assert check_key in graph.asset_check_keys, f"no GX suite for {key.to_user_string()}"
        assert graph.get_check_spec(check_key).blocking


def test_raw_sources_have_a_dbt_freshness_check(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    freshness_checked = {
        key.asset_key.to_user_string()
        for key in graph.asset_check_keys
        if key.name == "dbt_source_freshness"
    }
    assert {"raw_app/clients", "raw_app/plaid_items", "raw_events/events"} <= freshness_checked
