"""The balance-sheet marts end to end: every active client's every loaded day, to the cent.

`wdp run` captures Plaid's today (the world's as-of) once; the marts are compared
with the sandbox truth (`truth/net_worth_daily.csv`, `truth/accounts.csv`) for
every day the pipeline loaded, line by line, as exact decimals. Expectations come
from the truth files, never from a run.

Equity needs inputs the platform may not have been given: a client's grants
arrive only in an equity-grant export that parsed (some are deliberately broken,
some clients never upload one). Private companies are valued at the 409A in force
each day, from the valuation history every private-grant holder uploads with the
grant export (never broken, sandbox/README.md). Every line of every active client
is compared to the cent, except the equity lines of clients whose grant export is
broken or missing: for them net worth without the vested equity is compared.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest

from tests.e2e.conftest import SlicedWorld
from warehouse_ddl import Warehouse

ACCOUNT_LINES = (
    "cash_usd",
    "taxable_investments_usd",
    "retirement_usd",
    "other_assets_usd",
    "credit_card_usd",
    "student_loan_usd",
    "mortgage_usd",
    "other_debt_usd",
)
EQUITY_LINES = ("vested_equity_usd", "unvested_equity_usd")
BALANCE_SHEET_COLUMNS = (
    "client_key",
    "balance_date",
    "cash_usd",
    "taxable_investments_usd",
    "retirement_usd",
    "vested_equity_usd",
    "unvested_equity_usd",
    "other_assets_usd",
    "credit_card_usd",
    "student_loan_usd",
    "mortgage_usd",
    "other_debt_usd",
    "total_assets_usd",
    "total_liabilities_usd",
    "net_worth_usd",
    "after_tax_net_worth_usd",
)
FINANCE_MARTS = (
    "dim_accounts",
    "fct_balance_sheet_daily",
    "fct_equity_vesting",
    "fct_holdings_daily",
    "fct_transactions",
)

Row = dict[str, object]


def _rows(url: str, query: str, parameters: Iterable[object] = ()) -> list[Row]:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(query, tuple(parameters))
        names = [column.name for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def truth_dir(sliced_world: SlicedWorld) -> Path:
    assert sliced_world.first_run.returncode == 0, sliced_world.first_run.stderr[-3000:]
    return sliced_world.world_dir / "truth"


@pytest.fixture(scope="module")
def key_of(truth_dir: Path, warehouse: Warehouse) -> dict[str, str]:
    """Source client id -> client_key, as the loader computed it (raw, read as the owner)."""
    rows = _rows(
        warehouse.admin_url("warehouse"), "select client_id, client_key from raw_app.clients"
    )
    return {str(row["client_id"]): str(row["client_key"]) for row in rows}


@pytest.fixture(scope="module")
def active_client_ids(sliced_world: SlicedWorld) -> set[str]:
    return {
        row["client_id"] for row in sliced_world.truth_clients() if row["is_deleted"] == "false"
    }


@pytest.fixture(scope="module")
def balance_sheet(warehouse: Warehouse, truth_dir: Path) -> dict[tuple[str, str], Row]:
    """fct_balance_sheet_daily as the analyst reads it, by (client_key, ISO date)."""
    rows = _rows(
        warehouse.role_url("wdp_analyst"),
        f"select {', '.join(BALANCE_SHEET_COLUMNS)} from marts.fct_balance_sheet_daily",
    )
    return {(str(row["client_key"]), row["balance_date"].isoformat()): row for row in rows}


@pytest.fixture(scope="module")
def loaded_days(warehouse: Warehouse, truth_dir: Path) -> set[str]:
    rows = _rows(
        warehouse.admin_url("warehouse"),
        "select distinct as_of_date from raw_plaid.balances_daily",
    )
    return {row["as_of_date"].isoformat() for row in rows}


@pytest.fixture(scope="module")
def truth_net_worth(truth_dir: Path, loaded_days: set[str]) -> list[dict[str, str]]:
    """Truth rows of the days the pipeline loaded."""
    return [
        row for row in _read_csv(truth_dir / "net_worth_daily.csv") if row["date"] in loaded_days
    ]


@pytest.fixture(scope="module")
def equity_unknowable(truth_dir: Path, active_client_ids: set[str]) -> set[str]:
    """Active grant holders whose grant export was deliberately broken or never uploaded."""
    documents = _read_csv(truth_dir / "documents.csv")
    good_exports = {
        row["client_id"]
        for row in documents
        if row["document_type"] == "equity_grant_export" and row["is_broken"] == "false"
    }
    return {
        grant["client_id"]
        for grant in _read_csv(truth_dir / "equity_grants.csv")
        if grant["client_id"] in active_client_ids and grant["client_id"] not in good_exports
    }


def test_the_days_built_are_the_days_loaded(
    sliced_world: SlicedWorld, loaded_days: set[str], balance_sheet: dict[tuple[str, str], Row]
) -> None:
    world = json.loads((sliced_world.world_dir / "world.json").read_text())
    as_of = dt.date.fromisoformat(world["as_of"])
    served = {
        (as_of - dt.timedelta(days=offset)).isoformat() for offset in range(world["snapshot_days"])
    }
    # `wdp run` captures Plaid's today, the as-of; a backfill may add other served days.
    assert as_of.isoformat() in loaded_days
    assert loaded_days <= served
    assert {day for _, day in balance_sheet} == loaded_days


def test_one_row_per_active_client_and_loaded_day(
    balance_sheet: dict[tuple[str, str], Row],
    key_of: dict[str, str],
    active_client_ids: set[str],
    loaded_days: set[str],
) -> None:
    expected = {(key_of[client_id], day) for client_id in active_client_ids for day in loaded_days}
    assert set(balance_sheet) == expected


def test_account_and_manual_asset_lines_match_the_truth_to_the_cent(
    balance_sheet: dict[tuple[str, str], Row],
    key_of: dict[str, str],
    truth_net_worth: list[dict[str, str]],
    active_client_ids: set[str],
    loaded_days: set[str],
) -> None:
    assert len(truth_net_worth) == len(active_client_ids) * len(loaded_days)
    mismatches = [
        (truth["client_id"], truth["date"], line, truth[line], got[line])
        for truth in truth_net_worth
        for got in [balance_sheet[(key_of[truth["client_id"]], truth["date"])]]
        for line in ACCOUNT_LINES
        if got[line] != Decimal(truth[line])
    ]
    assert mismatches == []
    # Not all zero: every kind of line is exercised by the world.
    for line in ACCOUNT_LINES:
        assert any(Decimal(truth[line]) != 0 for truth in truth_net_worth), line


def test_equity_and_net_worth_match_the_truth_to_the_cent_where_the_export_arrived(
    balance_sheet: dict[tuple[str, str], Row],
    key_of: dict[str, str],
    truth_net_worth: list[dict[str, str]],
    equity_unknowable: set[str],
    truth_dir: Path,
) -> None:
    known = [row for row in truth_net_worth if row["client_id"] not in equity_unknowable]
    # The comparison bites: vested and unvested equity, private companies among them.
    assert any(Decimal(row["unvested_equity_usd"]) > 0 for row in known)
    assert any(Decimal(row["vested_equity_usd"]) > 0 for row in known)
    private_holders = {
        grant["client_id"]
        for grant in _read_csv(truth_dir / "equity_grants.csv")
        if grant["is_public_company"] == "false"
    }
    assert any(row["client_id"] in private_holders for row in known)
    mismatches = [
        (truth["client_id"], truth["date"], line, truth[line], got[line])
        for truth in known
        for got in [balance_sheet[(key_of[truth["client_id"]], truth["date"])]]
        for line in (*EQUITY_LINES, "net_worth_usd")
        if got[line] != Decimal(truth[line])
    ]
    assert mismatches == []


def test_without_a_grant_export_the_rest_of_net_worth_still_reconciles(
    balance_sheet: dict[tuple[str, str], Row],
    key_of: dict[str, str],
    truth_net_worth: list[dict[str, str]],
    equity_unknowable: set[str],
) -> None:
    """Grant holders whose export was broken or never uploaded: their equity is unknown."""
    assert equity_unknowable, "the world has no grant holder without a good export"
    checked = 0
    for truth in truth_net_worth:
        if truth["client_id"] not in equity_unknowable:
            continue
        got = balance_sheet[(key_of[truth["client_id"]], truth["date"])]
        assert (got["vested_equity_usd"], got["unvested_equity_usd"]) == (0, 0)
        assert got["net_worth_usd"] - got["vested_equity_usd"] == Decimal(
            truth["net_worth_usd"]
        ) - Decimal(truth["vested_equity_usd"]), truth["client_id"]
        checked += 1
    assert checked > 0


def test_every_row_balances_and_taxes_only_lower_net_worth(
    balance_sheet: dict[tuple[str, str], Row],
) -> None:
    assert balance_sheet
    for row in balance_sheet.values():
        assets = sum(
            row[line]
            for line in (
                "cash_usd",
                "taxable_investments_usd",
                "retirement_usd",
                "vested_equity_usd",
                "other_assets_usd",
            )
        )
        debts = sum(
            row[line]
            for line in ("credit_card_usd", "student_loan_usd", "mortgage_usd", "other_debt_usd")
        )
        assert (row["total_assets_usd"], row["total_liabilities_usd"]) == (assets, debts)
        assert row["net_worth_usd"] == assets - debts
        assert row["after_tax_net_worth_usd"] <= row["net_worth_usd"]
    # Taxable gains exist in the world, so some after-tax figure is lower.
    assert any(
        row["after_tax_net_worth_usd"] < row["net_worth_usd"] for row in balance_sheet.values()
    )


def test_dim_accounts_matches_the_truth_accounts(
    warehouse: Warehouse,
    truth_dir: Path,
    key_of: dict[str, str],
    active_client_ids: set[str],
    loaded_days: set[str],
) -> None:
    truth = {
        row["account_id"]: row
        for row in _read_csv(truth_dir / "accounts.csv")
        if row["client_id"] in active_client_ids
    }
    got = {
        str(row["account_id"]): row
        for row in _rows(
            warehouse.role_url("wdp_analyst"),
            "select account_id, client_key, item_id, account_type, account_subtype, mask, "
            "balance_sheet_line, current_balance_usd, balance_date, item_health_status, "
            "is_closed from marts.dim_accounts",
        )
    }
    assert set(got) == set(truth)
    latest_day = max(loaded_days)
    for account_id, expected in truth.items():
        row = got[account_id]
        assert (
            row["client_key"],
            row["item_id"],
            row["account_type"],
            row["account_subtype"],
            row["mask"],
            row["balance_sheet_line"],
            row["current_balance_usd"],
            row["balance_date"].isoformat(),
            row["is_closed"],
        ) == (
            key_of[expected["client_id"]],
            expected["item_id"],
            expected["type"],
            expected["subtype"],
            expected["mask"],
            expected["balance_sheet_line"],
            Decimal(expected["current_balance_usd"]),
            latest_day,
            False,
        ), account_id
    # The sliced world runs without fault injection: every item answered.
    assert {row["item_health_status"] for row in got.values()} == {"ok"}


def test_finance_marts_carry_no_identifier_or_ciphertext(
    warehouse: Warehouse, truth_dir: Path
) -> None:
    rows = _rows(
        warehouse.admin_url("warehouse"),
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = any(%s)",
        [list(FINANCE_MARTS)],
    )
    assert {row["table_name"] for row in rows} == set(FINANCE_MARTS)
    leaks = [
        (row["table_name"], row["column_name"])
        for row in rows
        if str(row["column_name"]).endswith("_encrypted")
        or row["column_name"] in {"client_id", "access_token", "account_name", "transaction_name"}
    ]
    assert leaks == []
