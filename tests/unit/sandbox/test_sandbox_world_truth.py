"""The truth files agree with what the Plaid store serves and with each other."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pytest

from sandbox import WorldSummary, build_world
from sandbox.equity import GrantRecord, vested_shares
from sandbox.opportunities import OPPORTUNITY_TYPES
from sandbox.plaid_server.responses import PlaidResponses
from sandbox.plaid_server.world_store import WorldStore

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    out = tmp_path_factory.mktemp("world")
    return build_world(out, clients=40, seed=21, as_of=AS_OF, app_database_url=None)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _cents(text: str) -> int:
    return round(float(text) * 100)


def test_net_worth_has_one_row_per_active_client_and_served_day(world: WorldSummary) -> None:
    rows = _rows(world.truth_dir / "net_worth_daily.csv")
    active = {
        r["client_id"] for r in _rows(world.truth_dir / "clients.csv") if r["is_deleted"] == "false"
    }
    dates = {r["date"] for r in rows}
    assert dates == {(AS_OF - dt.timedelta(days=n)).isoformat() for n in range(14)}
    assert {r["client_id"] for r in rows} == active
    assert len(rows) == len(active) * 14


def test_net_worth_is_assets_minus_debts_to_the_cent(world: WorldSummary) -> None:
    for row in _rows(world.truth_dir / "net_worth_daily.csv"):
        assets = sum(
            _cents(row[k])
            for k in (
                "cash_usd",
                "taxable_investments_usd",
                "retirement_usd",
                "vested_equity_usd",
                "other_assets_usd",
            )
        )
        debts = sum(
            _cents(row[k])
            for k in ("credit_card_usd", "student_loan_usd", "mortgage_usd", "other_debt_usd")
        )
        assert _cents(row["net_worth_usd"]) == assets - debts


def test_balance_sheet_lines_equal_the_served_balances(world: WorldSummary) -> None:
    store = WorldStore(world.out_dir)
    responses = PlaidResponses(store)
    accounts = {r["account_id"]: r for r in _rows(world.truth_dir / "accounts.csv")}
    items = _rows(world.truth_dir / "plaid_items.csv")
    for day in (store.snapshot_start, AS_OF):
        responses.today = day
        lines: dict[tuple[str, str], int] = defaultdict(int)
        for item_row in items:
            if item_row["is_deleted"] == "true":
                continue
            item = store.item_for_token(item_row["access_token"])
            assert item is not None
            for account in responses.accounts_get(item, {})["accounts"]:
                line = accounts[account["account_id"]]["balance_sheet_line"]
                lines[(item_row["client_id"], line)] += _cents(str(account["balances"]["current"]))
        for row in _rows(world.truth_dir / "net_worth_daily.csv"):
            if row["date"] != day.isoformat():
                continue
            for line in (
                "cash_usd",
                "taxable_investments_usd",
                "retirement_usd",
                "credit_card_usd",
                "student_loan_usd",
                "mortgage_usd",
                "other_debt_usd",
            ):
                assert _cents(row[line]) == lines[(row["client_id"], line)], (row, line)


def test_investment_balances_equal_the_sum_of_holdings(world: WorldSummary) -> None:
    store = WorldStore(world.out_dir)
    responses = PlaidResponses(store)
    checked = 0
    for token, _, _ in store.access_tokens():
        item = store.item_for_token(token)
        assert item is not None
        if "investments" not in item.products:
            continue
        result = responses.holdings_get(item, {})
        for account in result["accounts"]:
            held = [h for h in result["holdings"] if h["account_id"] == account["account_id"]]
            total = sum(_cents(str(h["institution_value"])) for h in held)
            assert total == _cents(str(account["balances"]["current"]))
            for holding in held:
                if holding["tax_lots"]:
                    lot_total = sum(
                        _cents(str(lot["current_value"])) for lot in holding["tax_lots"]
                    )
                    assert lot_total == _cents(str(holding["institution_value"]))
            checked += 1
    assert checked > 10


def test_opportunities_are_known_types_of_active_clients(world: WorldSummary) -> None:
    rows = _rows(world.truth_dir / "opportunities.csv")
    active = {
        r["client_id"] for r in _rows(world.truth_dir / "clients.csv") if r["is_deleted"] == "false"
    }
    assert rows, "a 40-client world has some opportunities"
    assert {r["opportunity_type"] for r in rows} <= set(OPPORTUNITY_TYPES)
    assert {r["client_id"] for r in rows} <= active
    for row in rows:
        json.loads(row["inputs_json"])
        if row["opportunity_type"] in {
            "tax_loss_harvesting",
            "cash_drag",
            "iso_exercise_amt",
            "retirement_savings_gap",
            "rsu_under_withholding",
        }:
            assert float(row["metric_value"]) >= float(row["threshold_value"])


def test_w2_and_1099_int_match_the_accounts(world: WorldSummary) -> None:
    store = WorldStore(world.out_dir)
    tax_year = AS_OF.year - 1
    for w2 in _rows(world.truth_dir / "w2.csv"):
        assert int(w2["tax_year"]) == tax_year
        assert _cents(w2["box12_code_d_usd"]) <= 3_100_000  # at most the limit plus catch-up
        assert _cents(w2["box3_social_security_wages_usd"]) <= 17_610_000
    interest_name = [d[0] for d in store.descriptions].index("INTEREST PAYMENT")
    year_days = range(
        store.day_number(dt.date(tax_year, 1, 1)), store.day_number(dt.date(tax_year, 12, 31)) + 1
    )
    accounts = {r["account_id"]: r for r in _rows(world.truth_dir / "accounts.csv")}
    for form in _rows(world.truth_dir / "form_1099_int.csv"):
        item = store.item_for_token(
            next(
                i["access_token"]
                for i in _rows(world.truth_dir / "plaid_items.csv")
                if i["item_id"] == accounts[form["account_id"]]["item_id"]
            )
        )
        assert item is not None
        position = next(
            a.position
            for a in store.accounts_of(item.item_id)
            if a.account_id == form["account_id"]
        )
        rows = store.block(store.bank, item.bank_block, [position])
        interest = rows[
            (rows["description"] == interest_name)
            & (rows["day"] >= year_days[0])
            & (rows["day"] <= year_days[-1])
        ]
        assert -int(interest["amount_cents"].sum()) == _cents(form["box1_interest_usd"])


def test_plaid_items_truth_lists_unique_tokens_the_store_knows(world: WorldSummary) -> None:
    items = _rows(world.truth_dir / "plaid_items.csv")
    store = WorldStore(world.out_dir)
    assert len({i["access_token"] for i in items}) == len(items) == world.items
    for item in items:
        assert item["access_token"].startswith("access-sandbox-")
        record = store.item_for_token(item["access_token"])
        assert record is not None and record.client_id == item["client_id"]


def test_events_are_segment_messages_with_late_and_duplicate_deliveries(
    world: WorldSummary,
) -> None:
    seen: dict[str, int] = defaultdict(int)
    late = 0
    files = sorted(world.events_dir.glob("*.jsonl"))
    assert files
    for path in files:
        for line in path.read_text().splitlines():
            message = json.loads(line)
            assert message["type"] in {"track", "identify", "page"}
            assert {
                "messageId",
                "anonymousId",
                "timestamp",
                "receivedAt",
                "context",
            } <= message.keys()
            assert message["receivedAt"].startswith(path.stem)
            if message["type"] != "page" or message["userId"]:
                assert message["userId"] is None or message["userId"].startswith("cl_")
            late += message["timestamp"][:10] < path.stem
            seen[message["messageId"]] += 1
    assert late > 0
    assert sum(seen.values()) == world.events


def test_vesting_has_a_one_year_cliff_then_monthly_steps() -> None:
    grant = GrantRecord(
        "g",
        "c",
        "e",
        False,
        None,
        "ISO",
        dt.date(2022, 1, 15),
        4800,
        100,
        dt.date(2022, 1, 15),
        1,
        None,
        0,
        None,
    )
    assert vested_shares(grant, dt.date(2023, 1, 14)) == 0
    assert vested_shares(grant, dt.date(2023, 1, 15)) == 1200
    assert vested_shares(grant, dt.date(2023, 2, 15)) == 1300
    assert vested_shares(grant, dt.date(2030, 1, 1)) == 4800
