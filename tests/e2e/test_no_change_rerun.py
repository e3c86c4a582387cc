"""A rerun builds only what changed: nothing when nothing changed, and all that a change reaches.

Each run's work is read from its Dagster event log: which assets materialized,
which steps Dagster skipped, and each Great Expectations check's `validated`
flag (false when the table was unchanged since its last passing validation).
"""

import re

import psycopg2
import pytest
from dagster import AssetCheckEvaluation, deserialize_value

from tests.e2e.conftest import SlicedWorld, wdp
from warehouse_ddl import Warehouse

DBT_STEPS = ("wdp_dbt_models", "wdp_dbt_models_after_tax_figures")
RAW_SCHEMAS = ("raw_plaid", "raw_documents", "raw_app", "raw_events")


def _query(warehouse: Warehouse, database: str, sql: str, parameters: tuple = ()) -> list[tuple]:
    connection = psycopg2.connect(warehouse.admin_url(database))
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def _run(warehouse: Warehouse) -> str:
    completed = wdp("run")
    assert completed.returncode == 0, completed.stderr[-3000:]
    match = re.search(r"^run (?P<run_id>[0-9a-f-]{36}): ", completed.stdout, re.MULTILINE)
    assert match, completed.stdout[-2000:]
    return match.group("run_id")


def _materialized(warehouse: Warehouse, run_id: str) -> set[str]:
    rows = _query(
        warehouse,
        "dagster",
        "select distinct asset_key from event_logs "
        "where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION'",
        (run_id,),
    )
    # asset_key is stored as a JSON list of its parts: '["marts", "dim_clients"]'.
    return {"/".join(re.findall(r'"([^"]+)"', key)) for (key,) in rows}


def _steps(warehouse: Warehouse, run_id: str, event_type: str) -> set[str]:
    rows = _query(
        warehouse,
        "dagster",
        "select step_key from event_logs where run_id = %s and dagster_event_type = %s",
        (run_id, event_type),
    )
    return {step_key for (step_key,) in rows}


def _gx_validated(warehouse: Warehouse, run_id: str) -> dict[str, bool]:
    """`{asset key: validated}` of every Great Expectations check evaluated in the run."""
    rows = _query(
        warehouse,
        "dagster",
        "select event from event_logs "
        "where run_id = %s and dagster_event_type = 'ASSET_CHECK_EVALUATION'",
        (run_id,),
    )
    validated = {}
    for (event,) in rows:
        evaluation = deserialize_value(event).dagster_event.event_specific_data
        assert isinstance(evaluation, AssetCheckEvaluation)
        if evaluation.check_name.startswith("gx_"):
            value = evaluation.metadata["validated"].value
            validated[evaluation.asset_key.to_user_string()] = value
    return validated


def _is_dbt_asset(asset_key: str) -> bool:
    return asset_key.split("/")[0] in ("staging", "intermediate", "marts", "snapshots", "seeds")


@pytest.fixture(scope="module")
def settled(sliced_world: SlicedWorld, warehouse: Warehouse) -> str:
    """A run that builds whatever earlier tests left changed; returns its run id."""
    assert sliced_world.first_run.returncode == 0, sliced_world.first_run.stderr[-3000:]
    return _run(warehouse)


def test_a_rerun_with_nothing_new_builds_no_model_and_validates_no_unchanged_table(
    settled: str, warehouse: Warehouse
) -> None:
    run_id = _run(warehouse)

    materialized = _materialized(warehouse, run_id)
    assert not {key for key in materialized if _is_dbt_asset(key)}, "no dbt model rebuilt"
    assert any(key.startswith("raw_") for key in materialized), "the loaders did run"
    assert "wdp_dbt_models" in _steps(warehouse, run_id, "STEP_SUCCESS")
    # Nothing to read: the Tax-Calculator asset and the after-tax dbt step are skipped.
    assert {"intermediate__client_tax_figures", "wdp_dbt_models_after_tax_figures"} <= _steps(
        warehouse, run_id, "STEP_SKIPPED"
    )
    validated = _gx_validated(warehouse, run_id)
    assert not {key for key in validated if key.startswith("marts/")}, "mart suites not rerun"
    assert validated, "the raw tables' suites were evaluated"
    assert not any(validated.values()), f"unchanged tables validated again: {validated}"


def test_a_change_rebuilds_what_it_reaches_and_only_that(
    settled: str, warehouse: Warehouse
) -> None:
    def advisor_matches() -> list[tuple]:
        return _query(
            warehouse, "warehouse", "select * from marts.fct_advisor_matches order by 1, 2, 3"
        )

    matches_before = advisor_matches()
    # A write to one advisor's row (same values: the truth files stay right). Any write
    # counts: the platform cannot know it changed nothing without reading the rows.
    _query(
        warehouse,
        "warehouse",
        "update raw_app.advisors set _loaded_at = _loaded_at "
        "where ctid = (select min(ctid) from raw_app.advisors)",
    )

    run_id = _run(warehouse)

    materialized = _materialized(warehouse, run_id)
    # Downstream of raw_app.advisors, through the Tax-Calculator step to the matches.
    assert {"staging/stg_app__advisors", "marts/fct_advisor_matches"} <= materialized
    # Not downstream of it: left as it was, and its suite not run again.
    assert "marts/fct_balance_sheet_daily" not in materialized
    assert "marts/fct_transactions" not in materialized
    validated = _gx_validated(warehouse, run_id)
    assert validated["raw_app/advisors"] is True
    assert validated["raw_app/clients"] is False
    assert "marts/fct_balance_sheet_daily" not in validated
    assert advisor_matches() == matches_before
