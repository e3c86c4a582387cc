"""Each kind of corrupt raw data is caught: by the table itself, or by its blocking GX suite.

The blocking itself (marts keep their last good version, the alert fires) is
proven with whole `wdp run`s in test_thin_slice and test_quality_gates; here each
kind of corruption is planted in the loaded world and the suite that guards the
table must fail on exactly that expectation.
"""

from pathlib import Path

import psycopg2
import pytest

from orchestration.defs.quality.great_expectations import GxSuiteSpec, run_gx_suite
from tests.e2e.conftest import SlicedWorld
from warehouse_ddl import Warehouse, sqlalchemy_url
from warehouse_ddl.server import project_root

PLAID_SUITES = project_root() / "orchestration" / "defs" / "plaid" / "expectations"


def _suite(name: str) -> GxSuiteSpec:
    return GxSuiteSpec.from_yaml(Path(PLAID_SUITES / f"{name}.yaml"))


@pytest.mark.parametrize(
    ("suite", "corruption", "failing_expectation"),
    [
        (
            "raw_plaid__accounts",
            "update raw_plaid.accounts set type = 'spaceship' "
            "where account_id = (select min(account_id) from raw_plaid.accounts)",
            "expect_column_values_to_be_in_set(column='type'",
        ),
        (
            "raw_plaid__holdings_daily",
            # A security's position, not cash (cash may go below zero after a fee).
            "update raw_plaid.holdings_daily set quantity = -quantity - 1 "
            "where ctid = (select min(h.ctid) from raw_plaid.holdings_daily h "
            "join raw_plaid.securities s using (security_id) where s.type <> 'cash')",
            "where quantity < 0",
        ),
        (
            "raw_plaid__balances_daily",
            "update raw_plaid.balances_daily set iso_currency_code = 'ZZZ' "
            "where ctid = (select min(ctid) from raw_plaid.balances_daily)",
            "iso_currency_code",
        ),
    ],
    ids=["unknown_account_type", "negative_quantity", "unknown_currency"],
)
def test_blocking_suite_fails_on_the_corruption(
    sliced_world: SlicedWorld,
    warehouse: Warehouse,
    suite: str,
    corruption: str,
    failing_expectation: str,
) -> None:
    assert sliced_world.first_run.returncode == 0
    spec = _suite(suite)
    assert spec.severity == "ERROR", "these suites must block"
    engineer_url = sqlalchemy_url(warehouse.role_url("wdp_engineer"))
    assert run_gx_suite(spec, engineer_url).passed, "the loaded world starts clean"
    table = corruption.split()[1]
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    try:
        with admin, admin.cursor() as cursor:
            # Keep the table aside (a temp table lives as long as this session).
            cursor.execute(f"create temp table kept_aside as select * from {table}")
            cursor.execute(corruption)
            assert cursor.rowcount == 1
        outcome = run_gx_suite(spec, engineer_url)
        assert not outcome.passed
        assert any(failing_expectation in failed for failed in outcome.failed), outcome.failed
    finally:
        with admin, admin.cursor() as cursor:
            cursor.execute(f"delete from {table}")
            cursor.execute(f"insert into {table} select * from kept_aside")
        admin.close()
    assert run_gx_suite(spec, engineer_url).passed, "restored for the tests that follow"


def test_a_cash_position_below_zero_is_not_corruption(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    # A fee charged to an almost empty sweep leaves the cash position negative
    # (the 10,000-client world has three): the suite must let it through.
    spec = _suite("raw_plaid__holdings_daily")
    engineer_url = sqlalchemy_url(warehouse.role_url("wdp_engineer"))
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    try:
        with admin, admin.cursor() as cursor:
            cursor.execute("create temp table kept_aside as select * from raw_plaid.holdings_daily")
            cursor.execute(
                "update raw_plaid.holdings_daily set quantity = -16.14 "
                "where ctid = (select min(h.ctid) from raw_plaid.holdings_daily h "
                "join raw_plaid.securities s using (security_id) where s.type = 'cash')"
            )
            assert cursor.rowcount == 1, "the sliced world holds brokerage cash"
        outcome = run_gx_suite(spec, engineer_url)
        assert outcome.passed, outcome.failed
    finally:
        with admin, admin.cursor() as cursor:
            cursor.execute("delete from raw_plaid.holdings_daily")
            cursor.execute("insert into raw_plaid.holdings_daily select * from kept_aside")
        admin.close()


def test_null_keys_are_refused_by_the_tables_themselves(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    try:
        for statement in (
            "update raw_plaid.accounts set client_key = null",
            "update raw_app.clients set client_key = null",
            "update raw_plaid.balances_daily set account_id = null",
        ):
            with pytest.raises(psycopg2.errors.NotNullViolation), admin.cursor() as cursor:
                cursor.execute(statement)
            admin.rollback()
    finally:
        admin.close()
