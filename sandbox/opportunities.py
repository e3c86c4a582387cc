"""Expected advice opportunities as of the world's as-of date (truth/opportunities.csv).

Each rule is a plain function of what the pipeline can see (Plaid balances,
holdings, lots, transactions and liabilities; W-2s; equity grant exports). The
exact definitions and thresholds are in sandbox/README.md ("Opportunity rules");
keep the two in step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sandbox.clock import WorldCalendar
from sandbox.equity import vested_shares
from sandbox.finances import OPEN_LOT_SENTINEL_DAY, ClientFinances
from sandbox.households import ClientProfile
from sandbox.market import SECURITIES, SECURITY_INDEX, Market
from sandbox.tax_forms import W2, usd

TLH_MIN_LOSS_CENTS = 300_000  # $3,000: the yearly capital-loss offset against ordinary income
WASH_SALE_WINDOW_DAYS = 30
ISO_MIN_BARGAIN_CENTS = 1_000_000
RSU_MIN_INCOME_CENTS = 1_000_000
SUPPLEMENTAL_WITHHOLDING_PCT = 22
CONCENTRATION_MIN_SHARE_PCT = 20.0
CONCENTRATION_MIN_VALUE_CENTS = 2_500_000
CASH_DRAG_MONTHS_OF_SPENDING = 6
CASH_DRAG_MIN_EXCESS_CENTS = 1_000_000
HIGH_INTEREST_CARD_MIN_BALANCE_CENTS = 100_000
HIGH_INTEREST_LOAN_MIN_RATE_PCT = 8.0
RETIREMENT_GAP_MIN_CENTS = 200_000
RETIREMENT_GAP_MIN_WAGES_CENTS = 5_000_000

# Top of the 22% federal bracket (taxable income) and the standard deduction, by tax
# year and filing status: IRS Rev. Proc. 2021-45 (2022), 2022-38 (2023), 2023-34 (2024),
# 2024-40 (2025). Used only to decide whether RSU income is taxed above 22%.
BRACKET_22_TOP_USD: dict[int, dict[str, int]] = {
    2022: {
        "single": 89_075,
        "married_filing_jointly": 178_150,
        "married_filing_separately": 89_075,
        "head_of_household": 89_050,
    },
    2023: {
        "single": 95_375,
        "married_filing_jointly": 190_750,
        "married_filing_separately": 95_375,
        "head_of_household": 95_350,
    },
    2024: {
        "single": 100_525,
        "married_filing_jointly": 201_050,
        "married_filing_separately": 100_525,
        "head_of_household": 100_500,
    },
    2025: {
        "single": 103_350,
        "married_filing_jointly": 206_700,
        "married_filing_separately": 103_350,
        "head_of_household": 103_350,
    },
}
STANDARD_DEDUCTION_USD: dict[int, dict[str, int]] = {
    2022: {
        "single": 12_950,
        "married_filing_jointly": 25_900,
        "married_filing_separately": 12_950,
        "head_of_household": 19_400,
    },
    2023: {
        "single": 13_850,
        "married_filing_jointly": 27_700,
        "married_filing_separately": 13_850,
        "head_of_household": 20_800,
    },
    2024: {
        "single": 14_600,
        "married_filing_jointly": 29_200,
        "married_filing_separately": 14_600,
        "head_of_household": 21_900,
    },
    2025: {
        "single": 15_000,
        "married_filing_jointly": 30_000,
        "married_filing_separately": 15_000,
        "head_of_household": 22_500,
    },
}

OPPORTUNITY_COLUMNS: tuple[str, ...] = (
    "client_id",
    "opportunity_type",
    "metric_name",
    "metric_value",
    "threshold_value",
    "inputs_json",
)

OPPORTUNITY_TYPES: tuple[str, ...] = (
    "tax_loss_harvesting",
    "iso_exercise_amt",
    "rsu_under_withholding",
    "concentration",
    "cash_drag",
    "high_interest_debt",
    "retirement_savings_gap",
)


@dataclass(frozen=True)
class Opportunity:
    client_id: str
    opportunity_type: str
    metric_name: str
    metric_value: str
    threshold_value: str
    inputs: dict[str, object]

    def row(self) -> tuple[str, ...]:
        return (
            self.client_id,
            self.opportunity_type,
            self.metric_name,
            self.metric_value,
            self.threshold_value,
            json.dumps(self.inputs, sort_keys=True, separators=(",", ":")),
        )


def _tax_table_year(year: int) -> int:
    return min(max(year, min(BRACKET_22_TOP_USD)), max(BRACKET_22_TOP_USD))


def find_opportunities(
    profile: ClientProfile,
    finances: ClientFinances,
    w2: W2 | None,
    calendar: WorldCalendar,
    market: Market,
    deferral_limit_usd: int,
) -> list[Opportunity]:
    """The opportunities a correct pipeline must surface for this client at as-of."""
    found: list[Opportunity] = []
    client_id = profile.client_id
    as_of = calendar.as_of
    closes = {spec.key: market.close_usd_cents(spec.key, as_of) for spec in SECURITIES}

    # 1. Tax-loss harvesting.
    harvestable = excluded = 0
    lots = 0
    for lot in finances.open_taxable_lots:
        value = round(float(lot["quantity"]) * closes[str(lot["security_key"])])  # type: ignore[arg-type]
        loss = int(lot["cost_basis_cents"]) - value  # type: ignore[call-overload]
        if loss <= 0:
            continue
        if lot["security_key"] in finances.recent_buy_keys.get(str(lot["account_id"]), set()):
            excluded += loss
            continue
        harvestable += loss
        lots += 1
    if harvestable >= TLH_MIN_LOSS_CENTS:
        found.append(
            Opportunity(
                client_id,
                "tax_loss_harvesting",
                "harvestable_loss_usd",
                usd(harvestable),
                usd(TLH_MIN_LOSS_CENTS),
                {"lots_at_loss": lots, "wash_sale_excluded_loss_usd": usd(excluded)},
            )
        )

    # 2. ISO exercise within AMT headroom: in-the-money vested, unexercised ISOs.
    iso_shares = bargain = 0
    for grant in finances.grants:
        if grant.grant_type != "ISO" or grant.is_public_company:
            continue
        fmv = market.fmv_409a_cents(grant.employer_name, as_of)
        spread = fmv - (grant.strike_price_cents or 0)
        exercisable = vested_shares(grant, as_of) - grant.exercised_shares
        if spread > 0 and exercisable > 0:
            iso_shares += exercisable
            bargain += exercisable * spread
    if bargain >= ISO_MIN_BARGAIN_CENTS:
        found.append(
            Opportunity(
                client_id,
                "iso_exercise_amt",
                "bargain_element_usd",
                usd(bargain),
                usd(ISO_MIN_BARGAIN_CENTS),
                {"vested_unexercised_iso_shares": iso_shares},
            )
        )

    # 3. RSU under-withholding: RSU income withheld at 22% but taxed at 24% or more.
    if w2 is not None and w2.rsu_income_cents >= RSU_MIN_INCOME_CENTS:
        year = _tax_table_year(w2.tax_year)
        deduction = STANDARD_DEDUCTION_USD[year][profile.filing_status] * 100
        bracket_top = BRACKET_22_TOP_USD[year][profile.filing_status] * 100
        taxable = w2.wages_cents - deduction
        if taxable > bracket_top:
            found.append(
                Opportunity(
                    client_id,
                    "rsu_under_withholding",
                    "rsu_income_usd",
                    usd(w2.rsu_income_cents),
                    usd(RSU_MIN_INCOME_CENTS),
                    {
                        "w2_box1_wages_usd": usd(w2.wages_cents),
                        "taxable_income_estimate_usd": usd(taxable),
                        "bracket_22_top_usd": usd(bracket_top),
                        "filing_status": profile.filing_status,
                    },
                )
            )

    # 4. Concentration: one stock or coin above 20% of investable assets.
    investable = sum(a.current_cents[-1] for a in finances.accounts if a.plaid_type == "investment")
    positions: dict[str, int] = {}
    for lot in finances.lot_segments.tolist():
        key = SECURITIES[lot[2]].key
        is_open = lot[7] == OPEN_LOT_SENTINEL_DAY
        if is_open and SECURITIES[lot[2]].security_type in {"equity", "cryptocurrency"}:
            positions[key] = positions.get(key, 0) + round(lot[4] * closes[key])
    if investable > 0 and positions:
        key, value = max(sorted(positions.items()), key=lambda item: item[1])
        share_pct = value * 100 / investable
        if share_pct > CONCENTRATION_MIN_SHARE_PCT and value >= CONCENTRATION_MIN_VALUE_CENTS:
            found.append(
                Opportunity(
                    client_id,
                    "concentration",
                    "position_share_pct",
                    f"{share_pct:.2f}",
                    f"{CONCENTRATION_MIN_SHARE_PCT:.2f}",
                    {
                        "ticker": SECURITIES[SECURITY_INDEX[key]].ticker,
                        "position_value_usd": usd(value),
                        "investable_assets_usd": usd(investable),
                    },
                )
            )

    # 5. Cash drag: cash beyond six months of spending.
    cash = sum(a.current_cents[-1] for a in finances.accounts if a.plaid_type == "depository")
    monthly_spending = round(finances.spending_last_365_days_cents / 12)
    excess = cash - CASH_DRAG_MONTHS_OF_SPENDING * monthly_spending
    if excess >= CASH_DRAG_MIN_EXCESS_CENTS:
        found.append(
            Opportunity(
                client_id,
                "cash_drag",
                "excess_cash_usd",
                usd(excess),
                usd(CASH_DRAG_MIN_EXCESS_CENTS),
                {"cash_usd": usd(cash), "monthly_spending_usd": usd(monthly_spending)},
            )
        )

    # 6. High-interest debt: revolving card balances, loans at 8% or more.
    debts = []
    for account in finances.accounts:
        terms = account.liability or {}
        if account.kind == "credit_card" and int(terms.get("carried_cents", 0)) > 0:  # type: ignore[call-overload]
            balance = account.current_cents[-1]
            apr = float(terms["aprs"][0]["apr_percentage"])  # type: ignore[index]
            if balance >= HIGH_INTEREST_CARD_MIN_BALANCE_CENTS:
                debts.append((apr, account.account_id, balance))
        elif account.kind in {"student_loan", "auto_loan"}:
            rate = float(terms["interest_rate_pct"])  # type: ignore[arg-type]
            if rate >= HIGH_INTEREST_LOAN_MIN_RATE_PCT:
                debts.append((rate, account.account_id, account.current_cents[-1]))
    if debts:
        apr, _, _ = max(debts)
        found.append(
            Opportunity(
                client_id,
                "high_interest_debt",
                "max_apr_pct",
                f"{apr:.2f}",
                f"{HIGH_INTEREST_LOAN_MIN_RATE_PCT:.2f}",
                {
                    "accounts": sorted(d[1] for d in debts),
                    "balance_usd": usd(sum(d[2] for d in debts)),
                },
            )
        )

    # 7. Retirement-savings gap: W-2 box 12 code D below the deferral limit.
    if w2 is not None and w2.wages_cents >= RETIREMENT_GAP_MIN_WAGES_CENTS:
        gap = deferral_limit_usd * 100 - w2.deferral_401k_cents
        if gap >= RETIREMENT_GAP_MIN_CENTS:
            found.append(
                Opportunity(
                    client_id,
                    "retirement_savings_gap",
                    "deferral_gap_usd",
                    usd(gap),
                    usd(RETIREMENT_GAP_MIN_CENTS),
                    {
                        "box12_code_d_usd": usd(w2.deferral_401k_cents),
                        "deferral_limit_usd": usd(deferral_limit_usd * 100),
                    },
                )
            )
    return found
