"""Balances, holdings with tax lots and liabilities per served day, against the world's truth."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from psycopg2.extensions import connection as Connection

from ingestion.plaid.loaders import load_balances, load_holdings, load_liabilities
from privacy import Keyring
from sandbox import PlaidSandboxServer
from tests.integration.ingestion.plaid.conftest import AS_OF, plaid_context

# net_worth_daily lines and the Plaid account subtypes summed into each (sandbox/README.md).
LINE_SUBTYPES = {
    "cash_usd": {"checking", "savings"},
    "taxable_investments_usd": {"brokerage", "crypto exchange"},
    "retirement_usd": {"ira", "roth", "401k", "hsa"},
    "credit_card_usd": {"credit card"},
    "student_loan_usd": {"student"},
    "mortgage_usd": {"mortgage"},
    "other_debt_usd": {"auto"},
}


def truth_rows(world: Path, name: str) -> list[dict[str, str]]:
    with (world / "truth" / name).open() as handle:
        return list(csv.DictReader(handle))


def query(connection: Connection, statement: str, *params: object) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    connection.rollback()
    return rows


def test_balances_of_each_served_day_match_net_worth_truth(
    server: PlaidSandboxServer, loader: Connection, keyring: Keyring, items, world: Path
) -> None:
    context = plaid_context(server, loader, keyring)
    days = [AS_OF - dt.timedelta(days=13), AS_OF - dt.timedelta(days=6), AS_OF]
    for day in days:
        server.set_today(day)
        result = load_balances(context, items, day)
        assert result.items_ok == len(items) and result.items_failed == 0

    loaded = query(
        loader,
        "select i.client_id, b.as_of_date, a.subtype, b.current from raw_plaid.balances_daily b "
        "join raw_plaid.accounts a using (account_id) "
        "join raw_plaid.items i on i.item_id = b.item_id",
    )
    sums: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for client_id, day, subtype, current in loaded:
        for line, subtypes in LINE_SUBTYPES.items():
            if subtype in subtypes:
                sums[(client_id, day.isoformat(), line)] += current
    truth = [
        row
        for row in truth_rows(world, "net_worth_daily.csv")
        if row["date"] in {d.isoformat() for d in days}
    ]
    assert truth
    for row in truth:
        for line in LINE_SUBTYPES:
            assert sums[(row["client_id"], row["date"], line)] == Decimal(row[line]), (
                row["client_id"],
                line,
            )


def test_accounts_match_truth_and_keep_only_last4(
    server: PlaidSandboxServer, loader: Connection, keyring: Keyring, items, world: Path
) -> None:
    load_balances(plaid_context(server, loader, keyring), items, AS_OF)
    loaded = {
        account_id: (item_id, type_, subtype, mask, current)
        for account_id, item_id, type_, subtype, mask, current in query(
            loader,
            "select a.account_id, a.item_id, a.type, a.subtype, a.mask, b.current "
            "from raw_plaid.accounts a join raw_plaid.balances_daily b using (account_id) "
            "where b.as_of_date = %s",
            AS_OF,
        )
    }
    active_items = {item.item_id for item in items}
    truth = [row for row in truth_rows(world, "accounts.csv") if row["item_id"] in active_items]
    assert len(loaded) == len(truth)
    for row in truth:
        assert loaded[row["account_id"]] == (
            row["item_id"],
            row["type"],
            row["subtype"],
            row["mask"],
            Decimal(row["current_balance_usd"]),
        )
        assert len(row["mask"]) <= 4


def test_holdings_keep_tax_lots_that_add_up(
    server: PlaidSandboxServer, loader: Connection, keyring: Keyring, items
) -> None:
    result = load_holdings(plaid_context(server, loader, keyring), items, AS_OF)
    assert result.items_ok > 0 and result.items_failed == 0
    assert result.rows_written["holding_tax_lots_daily"] > 0
    mismatched = query(
        loader,
        "select h.account_id, h.security_id from raw_plaid.holdings_daily h "
        "join raw_plaid.holding_tax_lots_daily l using (account_id, security_id, as_of_date) "
        "group by h.account_id, h.security_id, h.quantity, h.cost_basis "
        "having abs(sum(l.quantity) - h.quantity) > 0.000001 or sum(l.cost_basis) <> h.cost_basis",
    )
    assert mismatched == []
    # Investment account balances equal the value of their holdings (cash + lots).
    load_balances(plaid_context(server, loader, keyring), items, AS_OF)
    off = query(
        loader,
        "select b.account_id from raw_plaid.balances_daily b "
        "join raw_plaid.accounts a using (account_id) "
        "join raw_plaid.holdings_daily h "
        "on h.account_id = b.account_id and h.as_of_date = b.as_of_date "
        "where a.type = 'investment' group by b.account_id, b.current "
        "having sum(h.institution_value) <> b.current",
    )
    assert off == []


def test_liabilities_have_aprs_and_no_full_account_numbers(
    server: PlaidSandboxServer, loader: Connection, keyring: Keyring, items, world: Path
) -> None:
    result = load_liabilities(plaid_context(server, loader, keyring), items, AS_OF)
    assert result.items_failed == 0
    cards = query(loader, "select account_id from raw_plaid.liabilities_credit")
    truth_cards = {
        row["account_id"]
        for row in truth_rows(world, "accounts.csv")
        if row["subtype"] == "credit card"
        and row["item_id"] in {i.item_id for i in items if "liabilities" in i.products}
    }
    assert {account_id for (account_id,) in cards} == truth_cards
    assert (
        query(
            loader,
            "select count(*) from raw_plaid.liabilities_credit_aprs "
            "where apr_percentage between 0 and 100",
        )[0][0]
        > 0
    )
    for (address,) in query(
        loader, "select property_address_encrypted from raw_plaid.liabilities_mortgage"
    ):
        assert address is None or address.startswith("v1.")
