"""Static reference data of the synthetic world: states, channels, employers, institutions.

Everything here is a constant table (no randomness, no I/O), so the generators can
draw from it with a seeded RNG and the README can cite it. Weights are realistic
approximations, not authoritative statistics; where a figure comes from a public
source the source is named beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

# US resident population by state and DC, in thousands (2020 Census apportionment
# counts, rounded). Used as the draw weights of a client's state so that a world
# looks like the US (CA, TX, FL, NY first), not like a uniform draw over 51 codes.
STATE_POPULATION_THOUSANDS: dict[str, int] = {
    "AL": 5024,
    "AK": 733,
    "AZ": 7152,
    "AR": 3012,
    "CA": 39538,
    "CO": 5774,
    "CT": 3606,
    "DE": 990,
    "DC": 690,
    "FL": 21538,
    "GA": 10712,
    "HI": 1455,
    "ID": 1839,
    "IL": 12813,
    "IN": 6786,
    "IA": 3190,
    "KS": 2938,
    "KY": 4506,
    "LA": 4658,
    "ME": 1362,
    "MD": 6177,
    "MA": 7030,
    "MI": 10077,
    "MN": 5706,
    "MS": 2961,
    "MO": 6155,
    "MT": 1084,
    "NE": 1962,
    "NV": 3105,
    "NH": 1378,
    "NJ": 9289,
    "NM": 2118,
    "NY": 20201,
    "NC": 10439,
    "ND": 779,
    "OH": 11799,
    "OK": 3959,
    "OR": 4237,
    "PA": 13003,
    "RI": 1097,
    "SC": 5118,
    "SD": 887,
    "TN": 6911,
    "TX": 29146,
    "UT": 3272,
    "VT": 643,
    "VA": 8631,
    "WA": 7705,
    "WV": 1794,
    "WI": 5894,
    "WY": 577,
}

# First and last ZIP code of each state (USPS ranges, as in Faker's en_US provider),
# so a client's postal code is consistent with their state.
STATE_ZIP_RANGES: dict[str, tuple[int, int]] = {
    "AL": (35004, 36925),
    "AK": (99501, 99950),
    "AZ": (85001, 86556),
    "AR": (71601, 72959),
    "CA": (90001, 96162),
    "CO": (80001, 81658),
    "CT": (6001, 6389),
    "DE": (19701, 19980),
    "DC": (20001, 20039),
    "FL": (32004, 34997),
    "GA": (30001, 31999),
    "HI": (96701, 96898),
    "ID": (83201, 83876),
    "IL": (60001, 62999),
    "IN": (46001, 47997),
    "IA": (50001, 52809),
    "KS": (66002, 67954),
    "KY": (40003, 42788),
    "LA": (70001, 71232),
    "ME": (3901, 4992),
    "MD": (20812, 21930),
    "MA": (1001, 2791),
    "MI": (48001, 49971),
    "MN": (55001, 56763),
    "MS": (38601, 39776),
    "MO": (63001, 65899),
    "MT": (59001, 59937),
    "NE": (68001, 68118),
    "NV": (88901, 89883),
    "NH": (3031, 3897),
    "NJ": (7001, 8989),
    "NM": (87001, 88441),
    "NY": (10001, 14905),
    "NC": (27006, 28909),
    "ND": (58001, 58856),
    "OH": (43001, 45999),
    "OK": (73001, 73199),
    "OR": (97001, 97920),
    "PA": (15001, 19640),
    "RI": (2801, 2940),
    "SC": (29001, 29948),
    "SD": (57001, 57799),
    "TN": (37010, 38589),
    "TX": (75503, 79999),
    "UT": (84001, 84784),
    "VT": (5001, 5495),
    "VA": (22001, 24658),
    "WA": (98001, 99403),
    "WV": (24701, 26886),
    "WI": (53001, 54990),
    "WY": (82001, 83128),
}

# States without a broad personal income tax on wages (matters for advice, and for
# W-2 boxes 16-17, which stay empty there).
STATES_WITHOUT_WAGE_TAX: frozenset[str] = frozenset(
    {"AK", "FL", "NV", "NH", "SD", "TN", "TX", "WA", "WY"}
)

# Flat approximation of each state's effective tax rate on wages, used only to fill
# W-2 box 17 plausibly; the warehouse never derives tax law from it.
DEFAULT_STATE_WAGE_TAX_PCT = 4.5

FILING_STATUSES: tuple[str, ...] = (
    "single",
    "married_filing_jointly",
    "married_filing_separately",
    "head_of_household",
)

# Sign-up channels and their share of new clients.
SIGNUP_CHANNEL_WEIGHTS: dict[str, float] = {
    "organic_search": 0.24,
    "paid_search": 0.18,
    "referral": 0.20,
    "employer_benefit": 0.16,
    "podcast": 0.10,
    "social": 0.12,
}

# Synthetic e-mail domains: reserved example domains (RFC 2606 / RFC 6761) so that no
# generated address can ever reach a real mailbox.
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org", "mail.example")


@dataclass(frozen=True)
class Employer:
    """An employer of clients; public ones have a listed ticker, private ones a 409A."""

    name: str
    industry: str
    is_public: bool
    ticker: str | None
    # Share price at the start of the world's history (market price for public
    # companies, 409A fair market value for private ones).
    initial_share_price_usd: float
    # Annualised drift and volatility of the share price path.
    drift_pct: float
    volatility_pct: float
    # Relative weight of the employer in the client population.
    weight: float
    # Equity plan: the grant types this employer uses (empty: no equity plan).
    grant_types: tuple[str, ...]


# Fictional companies, so no generated holding looks like a real person's position
# in a real issuer. Tickers are made up and do not collide with US listings we know.
EMPLOYERS: tuple[Employer, ...] = (
    Employer("Northwind Cloud Inc.", "software", True, "NWCL", 182.0, 9.0, 32.0, 5.0, ("RSU",)),
    Employer(
        "Bluepeak Semiconductors Corp.",
        "semiconductors",
        True,
        "BPSC",
        96.0,
        12.0,
        42.0,
        3.0,
        ("RSU",),
    ),
    Employer(
        "Harborview Health Systems", "healthcare", True, "HVHS", 64.0, 5.0, 22.0, 4.0, ("RSU",)
    ),
    Employer("Granite Financial Group", "banking", True, "GRFG", 48.0, 4.0, 24.0, 3.0, ("RSU",)),
    Employer("Lumen Retail Holdings", "retail", True, "LMRH", 37.0, 2.0, 28.0, 3.0, ()),
    Employer(
        "Cedar Analytics, Inc.",
        "software",
        False,
        None,
        4.10,
        25.0,
        35.0,
        2.5,
        ("ISO", "NSO", "RSU"),
    ),
    Employer(
        "Quanta Bio Labs, Inc.", "biotech", False, None, 2.35, 18.0, 45.0, 1.5, ("ISO", "NSO")
    ),
    Employer(
        "Tidepool Robotics, Inc.", "robotics", False, None, 1.20, 30.0, 40.0, 1.5, ("ISO", "RSU")
    ),
    Employer(
        "Mosaic Payments, Inc.",
        "fintech",
        False,
        None,
        8.75,
        15.0,
        30.0,
        2.0,
        ("ISO", "NSO", "RSU"),
    ),
    Employer("Riverbend School District", "education", False, None, 0.0, 0.0, 0.0, 3.0, ()),
    Employer(
        "State Department of Transportation", "government", False, None, 0.0, 0.0, 0.0, 2.5, ()
    ),
    Employer("Summit Law Partners LLP", "legal", False, None, 0.0, 0.0, 0.0, 1.5, ()),
    Employer("Evergreen Medical Group", "healthcare", False, None, 0.0, 0.0, 0.0, 3.0, ()),
    Employer("Apex Consulting LLC", "consulting", False, None, 0.0, 0.0, 0.0, 2.5, ()),
    Employer("Copperline Manufacturing Co.", "manufacturing", False, None, 0.0, 0.0, 0.0, 2.0, ()),
)

# Share of clients without an employer (self-employed, retired, between jobs):
# employer_name is NULL for them.
NO_EMPLOYER_SHARE = 0.08


@dataclass(frozen=True)
class Institution:
    """A financial institution as Plaid names it, and the account kinds it holds."""

    institution_id: str
    name: str
    # Account kinds (keys of ACCOUNT_KINDS) this institution can hold for a client.
    account_kinds: tuple[str, ...]


# Plaid-style institution ids (ins_ + digits) of fictional institutions.
INSTITUTIONS: tuple[Institution, ...] = (
    Institution(
        "ins_100001", "First Meridian Bank", ("checking", "savings", "credit_card", "mortgage")
    ),
    Institution(
        "ins_100002", "Pinecrest Credit Union", ("checking", "savings", "credit_card", "auto_loan")
    ),
    Institution(
        "ins_100003", "Atlas National Bank", ("checking", "savings", "credit_card", "mortgage")
    ),
    Institution("ins_100004", "Summit Card Services", ("credit_card",)),
    Institution("ins_100005", "Beacon Brokerage", ("brokerage", "ira", "roth")),
    Institution("ins_100006", "Keystone Investments", ("brokerage", "ira", "roth")),
    Institution("ins_100007", "Harbor Retirement Services", ("401k", "hsa")),
    Institution("ins_100008", "Lodestar Student Loans", ("student_loan",)),
    Institution("ins_100009", "Coinvault Exchange", ("crypto",)),
)


@dataclass(frozen=True)
class AccountKind:
    """How one kind of account appears in Plaid and on the balance sheet."""

    plaid_type: str
    plaid_subtype: str
    display_name: str
    # Balance-sheet line of truth/net_worth_daily.csv the account's balance feeds.
    balance_sheet_line: str
    is_taxable: bool


ACCOUNT_KINDS: dict[str, AccountKind] = {
    "checking": AccountKind("depository", "checking", "Everyday Checking", "cash_usd", True),
    "savings": AccountKind("depository", "savings", "High Yield Savings", "cash_usd", True),
    "credit_card": AccountKind("credit", "credit card", "Rewards Card", "credit_card_usd", True),
    "mortgage": AccountKind("loan", "mortgage", "Home Mortgage", "mortgage_usd", True),
    "auto_loan": AccountKind("loan", "auto", "Auto Loan", "other_debt_usd", True),
    "student_loan": AccountKind("loan", "student", "Student Loan", "student_loan_usd", True),
    "brokerage": AccountKind(
        "investment", "brokerage", "Individual Brokerage", "taxable_investments_usd", True
    ),
    "ira": AccountKind("investment", "ira", "Traditional IRA", "retirement_usd", False),
    "roth": AccountKind("investment", "roth", "Roth IRA", "retirement_usd", False),
    "401k": AccountKind("investment", "401k", "401(k) Plan", "retirement_usd", False),
    "hsa": AccountKind("investment", "hsa", "Health Savings Account", "retirement_usd", False),
    "crypto": AccountKind(
        "investment", "crypto exchange", "Crypto Wallet", "taxable_investments_usd", True
    ),
}
