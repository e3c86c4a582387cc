"""Federal tax figures per client from Tax-Calculator (taxcalc): no hand-typed brackets.

Pure computation (no Dagster, no database): `compute_tax_figures` takes the
clients' tax profiles for one tax year and returns, per client, the federal
income tax, the marginal ordinary and long-term capital-gain rates, the AMT,
the ISO bargain element that fits under the AMT crossover, and the bracket
parameters the opportunity rules need, all from taxcalc's current-law policy.

How the figures are read from taxcalc (see its documentation of input and
output variables):
- `iitax` is the federal individual income tax (after credits, incl. the net
  investment income tax), `c09600` the alternative minimum tax;
- marginal rates are `Calculator.mtr()` of the income-tax liability with respect
  to the head's wages (`e00200p`) and to long-term gains (`p23250`);
- `cmbtp` carries income that counts for the AMT only, such as the bargain
  element of an exercised and held incentive stock option (ISO). The crossover
  is the largest `cmbtp` with no AMT, found by bisection to the dollar, for all
  clients at once (one vectorised taxcalc run per step).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

FILING_STATUS_MARS: dict[str, int] = {
    "single": 1,
    "married_filing_jointly": 2,
    "married_filing_separately": 3,
    "head_of_household": 4,
}
"""Our filing statuses as taxcalc's MARS codes (1 single, 2 joint, 3 separate, 4 head)."""

AMT_SEARCH_CEILING_USD = 10_000_000
"""Bisection ceiling: a headroom this large is reported as the ceiling itself."""


@dataclass(frozen=True)
class TaxProfile:
    """What the tax year's documents (and the app) say about one client's return."""

    client_key: str
    tax_year: int
    filing_status: str
    age_years: int
    wages_usd: float
    taxable_interest_usd: float = 0.0
    ordinary_dividends_usd: float = 0.0
    qualified_dividends_usd: float = 0.0
    short_term_gain_usd: float = 0.0
    long_term_gain_usd: float = 0.0


@dataclass(frozen=True)
class TaxFigures:
    """taxcalc's answers for one client and tax year (USD, rates in percent 0-100)."""

    client_key: str
    tax_year: int
    federal_income_tax_usd: float
    amt_usd: float
    marginal_ordinary_rate_pct: float
    marginal_long_term_gain_rate_pct: float
    amt_headroom_usd: float
    bracket_22_top_usd: float
    taxcalc_standard_deduction_usd: float


def taxcalc_version() -> str:
    import taxcalc

    return str(taxcalc.__version__)


def records_frame(profiles: Sequence[TaxProfile], amt_only_income_usd: np.ndarray) -> pd.DataFrame:
    """taxcalc input variables, one row per profile (RECID = position + 1).

    All wages are the head's (`e00200p`): a W-2 is one person's. A joint return's
    spouse is taken to be the head's age (the app records one date of birth).
    """
    ages = np.array([p.age_years for p in profiles], dtype=np.int64)
    mars = np.array([FILING_STATUS_MARS[p.filing_status] for p in profiles], dtype=np.int64)
    wages = np.array([p.wages_usd for p in profiles], dtype=np.float64)
    ordinary_dividends = np.array([p.ordinary_dividends_usd for p in profiles], dtype=np.float64)
    qualified_dividends = np.minimum(
        np.array([p.qualified_dividends_usd for p in profiles], dtype=np.float64),
        ordinary_dividends,
    )
    return pd.DataFrame(
        {
            "RECID": np.arange(1, len(profiles) + 1),
            "MARS": mars,
            "XTOT": np.where(mars == 2, 2, 1),
            "age_head": ages,
            "age_spouse": np.where(mars == 2, ages, 0),
            "e00200": wages,
            "e00200p": wages,
            "e00300": np.array([p.taxable_interest_usd for p in profiles], dtype=np.float64),
            "e00600": ordinary_dividends,
            "e00650": qualified_dividends,
            "p22250": np.array([p.short_term_gain_usd for p in profiles], dtype=np.float64),
            "p23250": np.array([p.long_term_gain_usd for p in profiles], dtype=np.float64),
            "cmbtp": amt_only_income_usd.astype(np.float64),
        }
    )


def calculator(tax_year: int, frame: pd.DataFrame):
    """A taxcalc Calculator for `frame` under current law of `tax_year`, not yet run."""
    import taxcalc

    policy = taxcalc.Policy()
    records = taxcalc.Records(
        data=frame,
        start_year=tax_year,
        gfactors=None,
        weights=None,
        adjust_ratios=None,
        exact_calculations=True,
    )
    calc = taxcalc.Calculator(policy=policy, records=records, verbose=False)
    return calc


def amt_headroom_usd(calc, base_amt_usd: np.ndarray) -> np.ndarray:
    """Largest AMT-only income (whole dollars) each record can add with no AMT due.

    Zero when the client already owes AMT. Bisection on [0, ceiling]: `low` never
    owes AMT, `high` does (or is the ceiling). Reuses `calc` (building a taxcalc
    Policy costs seconds): `cmbtp` is set, everything recomputed, then restored.
    """
    original = np.asarray(calc.array("cmbtp"), dtype=np.float64).copy()

    def owes_amt(amt_only_income: np.ndarray) -> np.ndarray:
        calc.array("cmbtp", original + amt_only_income)
        calc.calc_all()
        return np.asarray(calc.array("c09600"), dtype=np.float64) > 0.5

    count = len(base_amt_usd)
    low = np.zeros(count)
    high = np.full(count, float(AMT_SEARCH_CEILING_USD))
    searching = (base_amt_usd <= 0.5) & owes_amt(high)
    low[(base_amt_usd <= 0.5) & ~searching] = AMT_SEARCH_CEILING_USD
    while searching.any() and np.any((high - low)[searching] > 1):
        middle = np.floor((low + high) / 2)
        owes = owes_amt(np.where(searching, middle, 0.0))
        high = np.where(searching & owes, middle, high)
        low = np.where(searching & ~owes, middle, low)
    calc.array("cmbtp", original)
    calc.calc_all()
    return low


def _pct(rate: float) -> float:
    """A rate 0-1 as percent to 0.01 (+ 0.0 turns taxcalc's -0.0 into 0.0)."""
    return round(float(rate) * 100, 2) + 0.0


def compute_tax_figures(profiles: Sequence[TaxProfile]) -> list[TaxFigures]:
    """taxcalc's figures for every profile, one vectorised run per tax year."""
    figures: list[TaxFigures] = []
    for tax_year in sorted({p.tax_year for p in profiles}):
        group = [p for p in profiles if p.tax_year == tax_year]
        calc = calculator(tax_year, records_frame(group, np.zeros(len(group))))
        calc.calc_all()
        income_tax = np.asarray(calc.array("iitax"), dtype=np.float64)
        amt = np.asarray(calc.array("c09600"), dtype=np.float64)
        _, ordinary_mtr, _ = calc.mtr(
            variable_str="e00200p", calc_all_already_called=True, wrt_full_compensation=False
        )
        _, gain_mtr, _ = calc.mtr(variable_str="p23250", calc_all_already_called=True)
        headroom = amt_headroom_usd(calc, amt)
        policy = calc.policy_param
        mars_index = [FILING_STATUS_MARS[p.filing_status] - 1 for p in group]
        bracket_22_top = np.asarray(policy("II_brk3"), dtype=np.float64)
        standard_deduction = np.asarray(policy("STD"), dtype=np.float64)
        for position, profile in enumerate(group):
            figures.append(
                TaxFigures(
                    client_key=profile.client_key,
                    tax_year=tax_year,
                    federal_income_tax_usd=round(float(income_tax[position]), 2),
                    amt_usd=round(float(amt[position]), 2),
                    marginal_ordinary_rate_pct=_pct(ordinary_mtr[position]),
                    marginal_long_term_gain_rate_pct=_pct(gain_mtr[position]),
                    amt_headroom_usd=float(headroom[position]),
                    bracket_22_top_usd=float(bracket_22_top[mars_index[position]]),
                    taxcalc_standard_deduction_usd=float(standard_deduction[mars_index[position]]),
                )
            )
    return figures
