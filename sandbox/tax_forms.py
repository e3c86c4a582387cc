"""W-2 and 1099-B/DIV/INT of the last complete tax year, consistent with the accounts.

Tax year = as-of year - 1. Every figure derives from the simulated history: wages
from the salary and public-company RSU vests, box 12 code D from the 401(k)
contributions the Plaid server shows, 1099-DIV from the dividends, 1099-B from the
sells, 1099-INT from the savings interest of that year.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.finances import ClientFinances
from sandbox.households import ClientProfile
from sandbox.market import SECURITIES, SECURITY_INDEX
from sandbox.reference import STATES_WITHOUT_WAGE_TAX

# Social Security wage base by year (SSA), Medicare additional tax threshold.
SOCIAL_SECURITY_WAGE_BASE_USD: dict[int, int] = {
    2022: 147_000,
    2023: 160_200,
    2024: 168_600,
    2025: 176_100,
}
SOCIAL_SECURITY_RATE_PCT = 6.2
MEDICARE_RATE_PCT = 1.45
ADDITIONAL_MEDICARE_RATE_PCT = 0.9
ADDITIONAL_MEDICARE_THRESHOLD_USD = 200_000
STATE_WAGE_TAX_PCT = 4.5
# 1099-INT is issued from $10 of interest (IRS instructions for Form 1099-INT).
FORM_1099_INT_THRESHOLD_CENTS = 1_000

W2_COLUMNS: tuple[str, ...] = (
    "client_id",
    "tax_year",
    "employer_name",
    "box1_wages_usd",
    "box2_federal_withholding_usd",
    "box3_social_security_wages_usd",
    "box4_social_security_tax_usd",
    "box5_medicare_wages_usd",
    "box6_medicare_tax_usd",
    "box12_code_d_usd",
    "box12_code_w_usd",
    "box14_rsu_income_usd",
    "box15_state",
    "box16_state_wages_usd",
    "box17_state_tax_usd",
)
FORM_1099_B_COLUMNS: tuple[str, ...] = (
    "client_id",
    "tax_year",
    "account_id",
    "description",
    "quantity",
    "date_acquired",
    "date_sold",
    "proceeds_usd",
    "cost_basis_usd",
    "wash_sale_loss_disallowed_usd",
    "term",
    "is_covered",
)
FORM_1099_DIV_COLUMNS: tuple[str, ...] = (
    "client_id",
    "tax_year",
    "account_id",
    "box1a_ordinary_dividends_usd",
    "box1b_qualified_dividends_usd",
    "box2a_capital_gain_distributions_usd",
)
FORM_1099_INT_COLUMNS: tuple[str, ...] = (
    "client_id",
    "tax_year",
    "account_id",
    "box1_interest_usd",
)


@dataclass(frozen=True)
class W2:
    """The client's W-2 for the tax year (amounts in cents)."""

    client_id: str
    tax_year: int
    employer_name: str
    wages_cents: int
    federal_withholding_cents: int
    social_security_wages_cents: int
    social_security_tax_cents: int
    medicare_wages_cents: int
    medicare_tax_cents: int
    deferral_401k_cents: int
    hsa_cents: int
    rsu_income_cents: int
    state: str
    state_wages_cents: int
    state_tax_cents: int


def make_w2(profile: ClientProfile, finances: ClientFinances) -> W2 | None:
    """The W-2 of the tax year, or None for clients without an employer."""
    if profile.employer is None:
        return None
    year = finances.tax_year
    gross = finances.salary_usd_cents + finances.rsu_income_cents
    box1 = gross - finances.deferral_401k_cents - finances.hsa_contribution_cents
    # Regular withholding approximates the employer's tables; RSUs at the 22% supplemental rate.
    regular_rate = 0.12 if box1 < 10_000_000 else 0.18 if box1 < 25_000_000 else 0.26
    withholding = round((box1 - finances.rsu_income_cents) * regular_rate)
    withholding += finances.rsu_withholding_cents
    base = SOCIAL_SECURITY_WAGE_BASE_USD.get(year, max(SOCIAL_SECURITY_WAGE_BASE_USD.values()))
    # 401(k) deferrals stay in Social Security and Medicare wages; cafeteria HSA does not.
    fica_wages = gross - finances.hsa_contribution_cents
    ss_wages = min(fica_wages, base * 100)
    medicare_tax = round(fica_wages * MEDICARE_RATE_PCT / 100)
    medicare_tax += round(
        max(fica_wages - ADDITIONAL_MEDICARE_THRESHOLD_USD * 100, 0)
        * ADDITIONAL_MEDICARE_RATE_PCT
        / 100
    )
    has_state_tax = profile.state not in STATES_WITHOUT_WAGE_TAX
    return W2(
        client_id=profile.client_id,
        tax_year=year,
        employer_name=profile.employer.name,
        wages_cents=box1,
        federal_withholding_cents=withholding,
        social_security_wages_cents=ss_wages,
        social_security_tax_cents=round(ss_wages * SOCIAL_SECURITY_RATE_PCT / 100),
        medicare_wages_cents=fica_wages,
        medicare_tax_cents=medicare_tax,
        deferral_401k_cents=finances.deferral_401k_cents,
        hsa_cents=finances.hsa_contribution_cents,
        rsu_income_cents=finances.rsu_income_cents,
        state=profile.state,
        state_wages_cents=box1 if has_state_tax else 0,
        state_tax_cents=round(box1 * STATE_WAGE_TAX_PCT / 100) if has_state_tax else 0,
    )


def usd(cents: int) -> str:
    """Cents as a dollar amount with two decimals (exact: no float rounding)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def w2_row(w2: W2) -> tuple[object, ...]:
    return (
        w2.client_id,
        w2.tax_year,
        w2.employer_name,
        usd(w2.wages_cents),
        usd(w2.federal_withholding_cents),
        usd(w2.social_security_wages_cents),
        usd(w2.social_security_tax_cents),
        usd(w2.medicare_wages_cents),
        usd(w2.medicare_tax_cents),
        usd(w2.deferral_401k_cents),
        usd(w2.hsa_cents),
        usd(w2.rsu_income_cents),
        w2.state,
        usd(w2.state_wages_cents),
        usd(w2.state_tax_cents),
    )


def _security_name(key: str) -> str:
    return SECURITIES[SECURITY_INDEX[key]].name


def form_1099_rows(
    profile: ClientProfile, finances: ClientFinances
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
    """(1099-B lines, 1099-DIV forms, 1099-INT forms) of the client's taxable accounts."""
    year = finances.tax_year
    b_rows = [
        (
            profile.client_id,
            year,
            sale["account_id"],
            f"{sale['quantity']:.6f} SH {_security_name(str(sale['security_key']))}",
            f"{sale['quantity']:.6f}",
            sale["date_acquired"].isoformat(),  # type: ignore[union-attr]
            sale["date_sold"].isoformat(),
            usd(int(sale["proceeds_cents"])),  # type: ignore[union-attr]
            usd(int(sale["cost_basis_cents"])),
            "0.00",
            sale["term"],
            "true",
        )
        for sale in finances.sales
    ]
    div_rows = [
        (
            profile.client_id,
            year,
            account_id,
            usd(totals["ordinary"]),
            usd(totals["qualified"]),
            "0.00",
        )
        for account_id, totals in sorted(finances.dividends.items())
    ]
    int_rows = [
        (profile.client_id, year, account_id, usd(cents))
        for account_id, cents in sorted(finances.interest_cents.items())
        if cents >= FORM_1099_INT_THRESHOLD_CENTS
    ]
    return b_rows, div_rows, int_rows
