"""Opportunities, tax figures and advisor matches end to end, against the sandbox truth.

The expected opportunities are `truth/opportunities.csv`, narrowed only where
the pipeline cannot see the rule's input, each narrowing derived from other
truth files (never from a run):
- W-2-driven rules (RSU under-withholding, retirement gap) need the client's
  W-2 among the uploaded, unbroken documents (`truth/documents.csv`);
- the ISO rule needs the grant export and the employer's 409A history, both
  uploaded and unbroken;
- auto loans are not in Plaid's /liabilities/get: their rates are unknown, so a
  debt row counts only its other accounts.
Tax figures are checked against Tax-Calculator itself, run here.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import psycopg2
import pytest

from tests.e2e.conftest import SlicedWorld
from warehouse_ddl import Warehouse

W2_RULES = {"rsu_under_withholding", "retirement_savings_gap"}
SPECIALTY_ADVISOR_TYPE = {
    "tax_loss_harvesting": "tax",
    "iso_exercise_amt": "tax",
    "rsu_under_withholding": "tax",
    "concentration": "financial",
    "cash_drag": "financial",
    "high_interest_debt": "financial",
    "retirement_savings_gap": "financial",
}


def _rows(url: str, query: str) -> list[tuple]:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchall()


def _truth(world: SlicedWorld, name: str) -> list[dict[str, str]]:
    with open(Path(world.world_dir) / "truth" / name, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def key_of(sliced_world: SlicedWorld, warehouse: Warehouse) -> dict[str, str]:
    assert sliced_world.first_run.returncode == 0, sliced_world.first_run.stderr[-3000:]
    return dict(
        _rows(warehouse.admin_url("warehouse"), "select client_id, client_key from raw_app.clients")
    )


@pytest.fixture(scope="module")
def expected(sliced_world: SlicedWorld, key_of: dict[str, str]) -> dict[tuple[str, str], dict]:
    """(client_key, type) -> the truth row the pipeline can reach, with its metric."""
    received = {
        (row["client_id"], row["document_type"])
        for row in _truth(sliced_world, "documents.csv")
        if row["is_broken"] == "false"
    }
    auto_loans = {
        row["account_id"]
        for row in _truth(sliced_world, "accounts.csv")
        if row["kind"] == "auto_loan"
    }
    rows = {}
    for row in _truth(sliced_world, "opportunities.csv"):
        client, kind = row["client_id"], row["opportunity_type"]
        inputs = json.loads(row["inputs_json"])
        if kind in W2_RULES and (client, "w2") not in received:
            continue
        if kind == "iso_exercise_amt" and not (
            (client, "equity_grant_export") in received and (client, "fmv_409a_history") in received
        ):
            continue
        metric_is_known = True
        if kind == "high_interest_debt":
            visible = [account for account in inputs["accounts"] if account not in auto_loans]
            if not visible:
                continue
            metric_is_known = len(visible) == len(inputs["accounts"])
            inputs["accounts"] = visible
        rows[(key_of[client], kind)] = {
            "metric_name": row["metric_name"],
            "metric_value": Decimal(row["metric_value"]),
            "threshold_value": Decimal(row["threshold_value"]),
            "metric_is_known": metric_is_known,
            "inputs": inputs,
        }
    return rows


@pytest.fixture(scope="module")
def opportunities(warehouse: Warehouse, key_of: dict[str, str]) -> dict[tuple[str, str], dict]:
    rows = _rows(
        warehouse.role_url("wdp_analyst"),
        "select client_key, opportunity_type, metric_name, metric_value, threshold_value, "
        "score, estimated_annual_benefit_usd, rationale, inputs from marts.fct_opportunities",
    )
    names = ("metric_name", "metric_value", "threshold_value", "score", "benefit")
    return {
        (client_key, kind): {
            **dict(zip(names, values[:5], strict=True)),
            "rationale": values[5],
            "inputs": values[6],
        }
        for client_key, kind, *values in rows
    }


def test_the_opportunities_are_the_truths(expected: dict, opportunities: dict) -> None:
    assert expected, "the truth has no reachable opportunity: the world is too small to test"
    missing = sorted(set(expected) - set(opportunities))
    unexpected = sorted(set(opportunities) - set(expected))
    assert (missing, unexpected) == ([], [])


def test_metrics_and_thresholds_match_the_truth_to_the_cent(
    expected: dict, opportunities: dict
) -> None:
    wrong = []
    for key, truth in expected.items():
        found = opportunities.get(key)
        if found is None:
            continue
        if found["metric_name"] != truth["metric_name"]:
            wrong.append((key, "metric_name", found["metric_name"], truth["metric_name"]))
        if truth["metric_is_known"] and found["metric_value"] != truth["metric_value"]:
            wrong.append((key, "metric_value", found["metric_value"], truth["metric_value"]))
        if found["threshold_value"] != truth["threshold_value"]:
            wrong.append((key, "threshold", found["threshold_value"], truth["threshold_value"]))
    assert wrong == []


def test_inputs_match_the_truth(expected: dict, opportunities: dict) -> None:
    """Every input the truth lists is in the mart with the same value (numbers to the cent)."""

    def same(found: object, truth: object) -> bool:
        if isinstance(truth, list):
            return isinstance(found, list) and sorted(found) == sorted(truth)
        try:
            return Decimal(str(found)) == Decimal(str(truth))
        except ArithmeticError:
            return str(found) == str(truth)

    wrong = []
    for key, truth in expected.items():
        found = opportunities.get(key)
        if found is None:
            continue
        for name, value in truth["inputs"].items():
            if name == "balance_usd" and not truth["metric_is_known"]:
                continue
            if not same(found["inputs"].get(name), value):
                wrong.append((key, name, found["inputs"].get(name), value))
    assert wrong == []


def test_every_opportunity_has_a_score_a_benefit_and_a_rationale(opportunities: dict) -> None:
    assert opportunities
    for found in opportunities.values():
        assert 0 <= found["score"] <= 100
        assert found["benefit"] >= 0
        assert len(found["rationale"]) > 40


def test_advisor_matches_are_licensed_in_the_clients_state(
    sliced_world: SlicedWorld, warehouse: Warehouse, key_of: dict[str, str], opportunities: dict
) -> None:
    """Every match is an accepting advisor of the right type licensed in the client's
    state; a client whose top opportunity has such an advisor with room gets a match."""
    state_of = {
        key_of[row["client_id"]]: row["state"]
        for row in sliced_world.truth_clients()
        if row["client_id"] in key_of
    }
    app = warehouse.admin_url("app")
    advisors = {
        advisor_id: (advisor_type, set(states), capacity, accepting)
        for advisor_id, advisor_type, states, capacity, accepting in _rows(
            app,
            "select advisor_id, advisor_type, licensed_states, capacity_clients, "
            "is_accepting_clients from advisors where deleted_at is null",
        )
    }
    kept = _rows(
        app,
        "select distinct client_id, advisor_id from appointments "
        "where deleted_at is null and status in ('scheduled', 'completed')",
    )
    load: dict[str, int] = defaultdict(int)
    met = set()
    for client_id, advisor_id in kept:
        load[advisor_id] += 1
        met.add((key_of[client_id], advisor_id))
    matches = _rows(
        warehouse.role_url("wdp_analyst"),
        "select client_key, opportunity_type, advisor_id, advisor_rank, match_reason "
        "from marts.fct_advisor_matches",
    )
    assert matches
    matched_clients = set()
    for client_key, kind, advisor_id, rank, reason in matches:
        advisor_type, states, _, accepting = advisors[advisor_id]
        assert state_of[client_key] in states, (client_key, advisor_id)
        assert advisor_type == SPECIALTY_ADVISOR_TYPE[kind]
        assert accepting and 1 <= rank <= 3 and reason
        matched_clients.add(client_key)

    best = {}
    for (client_key, kind), found in opportunities.items():
        if client_key not in best or (found["score"], found["benefit"]) > best[client_key][1:]:
            best[client_key] = (kind, found["score"], found["benefit"])
    for client_key, (kind, _, _) in best.items():
        can_match = any(
            advisor_type == SPECIALTY_ADVISOR_TYPE[kind]
            and accepting
            and state_of[client_key] in states
            and (capacity > load[advisor_id] or (client_key, advisor_id) in met)
            for advisor_id, (advisor_type, states, capacity, accepting) in advisors.items()
        )
        if can_match:
            assert client_key in matched_clients, (client_key, kind)


# taxcalc compiles with numba on first use in this process: minutes on a loaded machine.
@pytest.mark.timeout(1800)
def test_tax_figures_are_tax_calculators(warehouse: Warehouse, key_of: dict[str, str]) -> None:
    """A sample of clients recomputed with taxcalc here: tax, AMT and marginal rate
    equal the asset's, and the AMT headroom is the crossover (no AMT at it, AMT a
    few dollars above)."""
    from orchestration.defs.tax.tax_calculator import TaxProfile, calculator, records_frame

    rows = _rows(
        warehouse.admin_url("warehouse"),
        "select p.client_key, p.tax_year, p.filing_status, f.age_at_tax_year_end_years, "
        "p.wages_usd, p.taxable_interest_usd, p.ordinary_dividends_usd, "
        "p.qualified_dividends_usd, p.short_term_gain_usd, "
        "p.long_term_gain_usd + p.capital_gain_distributions_usd, "
        "f.federal_income_tax_usd, f.amt_usd, f.marginal_ordinary_rate_pct, f.amt_headroom_usd "
        "from marts.fct_client_tax_profile p join intermediate.client_tax_figures f "
        "using (client_key, tax_year) order by p.wages_usd desc",
    )
    assert len(rows) == len(
        _rows(warehouse.admin_url("warehouse"), "select 1 from marts.fct_client_tax_profile")
    )
    sample = rows[:: max(1, len(rows) // 8)]
    profiles = [
        TaxProfile(r[0], r[1], r[2], r[3] or 0, *(float(v) for v in r[4:10])) for r in sample
    ]
    tax_year = profiles[0].tax_year
    calc = calculator(tax_year, records_frame(profiles, np.zeros(len(profiles))))
    calc.calc_all()
    _, mtr, _ = calc.mtr(
        variable_str="e00200p", calc_all_already_called=True, wrt_full_compensation=False
    )
    assert np.allclose(calc.array("iitax"), [float(r[10]) for r in sample], atol=0.01)
    assert np.allclose(calc.array("c09600"), [float(r[11]) for r in sample], atol=0.01)
    assert np.allclose(mtr * 100, [float(r[12]) for r in sample], atol=0.005)

    headroom = np.array([float(r[13]) for r in sample])
    calc.array("cmbtp", headroom)
    calc.calc_all()
    at_crossover = np.array(calc.array("c09600"))
    calc.array("cmbtp", headroom + 2)
    calc.calc_all()
    above = np.array(calc.array("c09600"))
    owes_now = np.array([float(r[11]) for r in sample]) > 0.5
    assert np.all(at_crossover[~owes_now] <= 0.5)
    assert np.all(above[~owes_now] > 0)
