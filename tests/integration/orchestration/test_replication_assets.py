"""The app-database and events assets resolve, each with its blocking GX check."""

import dagster as dg
import pytest

from ingestion.app_db.tables import APP_TABLES
from orchestration.defs.dbt.project import prepare_dbt_manifest


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    prepare_dbt_manifest()
    from orchestration.definitions import defs

    return defs


def test_every_app_table_and_the_events_have_an_asset_and_a_blocking_check(defs) -> None:
    graph = defs.resolve_asset_graph()
    keys = [dg.AssetKey(["raw_app", spec.source_table]) for spec in APP_TABLES]
    keys.append(dg.AssetKey(["raw_events", "events"]))
    for key in keys:
        assert graph.has(key), key
        check_key = dg.AssetCheckKey(key, f"gx_{key.path[0]}__{key.path[1]}")
        assert check_key in graph.asset_check_keys
        assert graph.get_check_spec(check_key).blocking


def test_events_are_partitioned_by_file_day(defs) -> None:
    events = defs.resolve_asset_graph().get(dg.AssetKey(["raw_events", "events"]))
    assert isinstance(events.partitions_def, dg.DailyPartitionsDefinition)
    assert "events_landing" in defs.resources
