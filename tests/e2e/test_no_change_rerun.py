"""A rerun of the day with nothing new asks Plaid about no item and builds no model;
a change to a table the models read, or `--refetch-and-rebuild`, builds again.

The no-change rerun's cost against a full run is measured in bench/bench_nightly.py.
"""

import re

import psycopg2

from tests.e2e.conftest import SlicedWorld, wdp
from warehouse_ddl import Warehouse

PLAID_LOADS = ("accounts", "investments_holdings", "liabilities", "transactions", "item")
AFTER_THE_FIRST_DBT_STEP = ("intermediate__client_tax_figures", "wdp_dbt_models_after_tax_figures")
MARTS = ("marts.fct_balance_sheet_daily", "marts.fct_opportunities", "marts.dim_clients")


def _run_id(result) -> str:
    match = re.search(r"^run ([0-9a-f-]{36}): ", result.stdout, re.MULTILINE)
    assert match, result.stdout[-2000:] + result.stderr[-2000:]
    return match.group(1)


def _run_log(warehouse: Warehouse, run_id: str) -> tuple[list[str], dict[str, str]]:
    """The run's log messages, and each step's last status."""
    with psycopg2.connect(warehouse.role_url("wdp_dagster", "dagster")) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select event::json ->> 'user_message' from event_logs "
            "where run_id = %s and dagster_event_type is null order by id",
            (run_id,),
        )
        messages = [message for (message,) in cursor.fetchall()]
        cursor.execute(
            "select step_key, dagster_event_type from event_logs where run_id = %s "
            "and dagster_event_type in ('STEP_SUCCESS', 'STEP_FAILURE', 'STEP_SKIPPED') "
            "order by id",
            (run_id,),
        )
        statuses = dict(cursor.fetchall())
    return messages, statuses


def _marts_checksums(warehouse: Warehouse) -> dict[str, str]:
    with psycopg2.connect(warehouse.admin_url("warehouse")) as connection:
        cursor = connection.cursor()
        sums = {}
        for mart in MARTS:
            cursor.execute(f"select md5(string_agg(m::text, ',' order by m::text)) from {mart} m")
            sums[mart] = cursor.fetchone()[0]
    return sums


def test_a_rerun_with_no_news_asks_plaid_nothing_and_builds_no_model(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    assert sliced_world.first_run.returncode == 0
    # A run now builds what the other tests' runs left unbuilt; the one after it has no news.
    settled = wdp("run")
    assert settled.returncode == 0, settled.stderr[-3000:]
    marts = _marts_checksums(warehouse)

    rerun = wdp("run")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    messages, statuses = _run_log(warehouse, _run_id(rerun))
    for load in PLAID_LOADS:
        summary = next(m for m in messages if m.startswith(f"plaid/{load}"))
        assert " 0 ok, 0 need relink" in summary and "not asked (loaded for the day" in summary, (
            summary
        )
    assert any(m.startswith("dbt build skipped: all ") for m in messages), messages
    assert statuses["wdp_dbt_models"] == "STEP_SUCCESS"
    for step in AFTER_THE_FIRST_DBT_STEP:
        assert statuses[step] == "STEP_SKIPPED", statuses
    assert _marts_checksums(warehouse) == marts

    # Anyone's write to a table the models read makes the next run build again.
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    with admin, admin.cursor() as cursor:
        cursor.execute(
            "update raw_app.clients set updated_at = updated_at "
            "where client_id = (select min(client_id) from raw_app.clients)"
        )
    admin.close()
    changed = wdp("run")
    assert changed.returncode == 0, changed.stderr[-3000:]
    messages, statuses = _run_log(warehouse, _run_id(changed))
    assert not any(m.startswith("dbt build skipped") for m in messages)
    for step in AFTER_THE_FIRST_DBT_STEP:
        assert statuses[step] == "STEP_SUCCESS", statuses

    # --refetch-and-rebuild asks every item and builds every model with no news at all.
    forced = wdp("run", "--refetch-and-rebuild")
    assert forced.returncode == 0, forced.stderr[-3000:]
    messages, statuses = _run_log(warehouse, _run_id(forced))
    assert not any("not asked (loaded for the day" in m for m in messages)
    for step in AFTER_THE_FIRST_DBT_STEP:
        assert statuses[step] == "STEP_SUCCESS", statuses
    assert _marts_checksums(warehouse) == marts
