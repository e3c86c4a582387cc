"""The Tax-Calculator wrapper: its figures are taxcalc's own, the AMT headroom is the crossover."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from orchestration.defs.tax.client_tax_figures import age_in_years
from orchestration.defs.tax.tax_calculator import (
    TaxFigures,
    TaxProfile,
    calculator,
    compute_tax_figures,
    records_frame,
)

# taxcalc compiles its functions with numba on first use in a process (about a
# minute of CPU, several on a loaded machine): more than the suite's default.
pytestmark = pytest.mark.timeout(1800)

PROFILES = [
    TaxProfile("single_high", 2025, "single", 45, 250_000.0, 120.0, 900.0, 600.0, 0.0, 4_000.0),
    TaxProfile("joint", 2025, "married_filing_jointly", 52, 400_000.0, 2_000.0),
    TaxProfile("head_low", 2025, "head_of_household", 30, 60_000.0),
    TaxProfile("separate_senior", 2025, "married_filing_separately", 67, 180_000.0),
]


@pytest.fixture(scope="module")
def figures() -> list[TaxFigures]:
    return compute_tax_figures(PROFILES)


@pytest.fixture(scope="module")
def calc():
    """taxcalc run directly on the same profiles (one Policy: building one costs seconds)."""
    calc = calculator(2025, records_frame(PROFILES, np.zeros(len(PROFILES))))
    calc.calc_all()
    return calc


def test_one_figure_per_profile_in_order(figures: list[TaxFigures]) -> None:
    assert [f.client_key for f in figures] == [p.client_key for p in PROFILES]


def test_tax_amt_and_marginal_rates_are_taxcalcs(figures: list[TaxFigures], calc) -> None:
    _, ordinary, _ = calc.mtr(
        variable_str="e00200p", calc_all_already_called=True, wrt_full_compensation=False
    )
    _, gains, _ = calc.mtr(variable_str="p23250", calc_all_already_called=True)
    assert [f.federal_income_tax_usd for f in figures] == pytest.approx(
        list(calc.array("iitax")), abs=0.01
    )
    assert [f.amt_usd for f in figures] == pytest.approx(list(calc.array("c09600")), abs=0.01)
    assert [f.marginal_ordinary_rate_pct for f in figures] == pytest.approx(
        list(ordinary * 100), abs=0.005
    )
    assert [f.marginal_long_term_gain_rate_pct for f in figures] == pytest.approx(
        list(gains * 100), abs=0.005
    )
    # Higher wages, same status: a marginal rate that does not fall.
    assert figures[0].marginal_ordinary_rate_pct >= figures[2].marginal_ordinary_rate_pct


def test_amt_headroom_is_the_crossover(figures: list[TaxFigures], calc) -> None:
    headroom = np.array([f.amt_headroom_usd for f in figures])
    assert np.all(headroom > 0)
    calc.array("cmbtp", headroom)
    calc.calc_all()
    at_crossover = np.array(calc.array("c09600"))
    calc.array("cmbtp", headroom + 2)
    calc.calc_all()
    above = np.array(calc.array("c09600"))
    calc.array("cmbtp", np.zeros(len(PROFILES)))
    calc.calc_all()
    assert np.all(at_crossover <= 0.5)
    assert np.all(above > 0)


def test_bracket_top_and_deduction_come_from_taxcalcs_policy(
    figures: list[TaxFigures], calc
) -> None:
    brackets = np.asarray(calc.policy_param("II_brk3"))
    deductions = np.asarray(calc.policy_param("STD"))
    for figure, mars in zip(figures, (1, 2, 4, 3), strict=True):
        assert figure.bracket_22_top_usd == float(brackets[mars - 1])
        assert figure.taxcalc_standard_deduction_usd == float(deductions[mars - 1])


def test_unknown_filing_status_is_refused() -> None:
    with pytest.raises(KeyError):
        records_frame([TaxProfile("x", 2025, "widowed", 40, 1.0)], np.zeros(1))


@pytest.mark.parametrize(
    ("on", "years"),
    [(dt.date(2026, 11, 19), 49), (dt.date(2026, 11, 20), 50), (dt.date(2026, 11, 21), 50)],
)
def test_age_counts_a_year_on_the_birthday(on: dt.date, years: int) -> None:
    assert age_in_years(dt.date(1976, 11, 20), on) == years
