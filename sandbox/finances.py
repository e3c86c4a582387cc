"""A client's money: Plaid items, accounts, bank and investment transactions, lots, loans.

`generate_finances(profile, calendar, market, seed)` simulates the 24-month history
of one client day by day in integer cents, so every balance the Plaid server shows
is exactly the opening balance plus the transactions up to that day, and every
holding is exactly the open tax lots times that day's close.

Sign conventions are Plaid's: a positive transaction amount is money leaving the
account (a purchase, a payment out); a negative amount is money coming in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import numpy as np

from sandbox.clock import HISTORY_DAYS, WorldCalendar
from sandbox.equity import GrantRecord, generate_grants, public_vest_events
from sandbox.households import ClientProfile
from sandbox.market import MONEY_MARKET_KEY, SECURITIES, SECURITY_INDEX, Market
from sandbox.reference import ACCOUNT_KINDS, EMPLOYERS, INSTITUTIONS, Institution
from sandbox.seeding import Stream, rng_for

# Card/debit merchants: (raw name, clean merchant, PFC primary, PFC detailed, channel,
# typical amount in USD, relative frequency). Categories are Plaid's personal finance
# categories (v2 taxonomy).
CARD_MERCHANTS: tuple[tuple[str, str, str, str, str, float, float], ...] = (
    (
        "SQ *BLUE BOTTLE COFFEE",
        "Blue Bottle Coffee",
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_COFFEE",
        "in store",
        9.0,
        5.0,
    ),
    (
        "TRADER JOES #552",
        "Trader Joe's",
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_GROCERIES",
        "in store",
        85.0,
        6.0,
    ),
    (
        "WHOLEFDS MKT 10234",
        "Whole Foods Market",
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_GROCERIES",
        "in store",
        120.0,
        4.0,
    ),
    (
        "DOORDASH*THAI BASIL",
        "DoorDash",
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_RESTAURANT",
        "online",
        42.0,
        4.0,
    ),
    (
        "OLIVE & VINE BISTRO",
        "Olive & Vine Bistro",
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_RESTAURANT",
        "in store",
        95.0,
        3.0,
    ),
    (
        "AMZN MKTP US*2K4",
        "Amazon",
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        "online",
        60.0,
        6.0,
    ),
    (
        "TARGET T-1432",
        "Target",
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_SUPERSTORES",
        "in store",
        70.0,
        3.0,
    ),
    ("SHELL OIL 5744", "Shell", "TRANSPORTATION", "TRANSPORTATION_GAS", "in store", 55.0, 3.0),
    (
        "UBER *TRIP",
        "Uber",
        "TRANSPORTATION",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        "online",
        28.0,
        3.0,
    ),
    (
        "NETFLIX.COM",
        "Netflix",
        "ENTERTAINMENT",
        "ENTERTAINMENT_TV_AND_MOVIES",
        "online",
        15.49,
        1.0,
    ),
    (
        "SPOTIFY USA",
        "Spotify",
        "ENTERTAINMENT",
        "ENTERTAINMENT_MUSIC_AND_AUDIO",
        "online",
        11.99,
        1.0,
    ),
    ("DELTA AIR 0062", "Delta Air Lines", "TRAVEL", "TRAVEL_FLIGHTS", "online", 420.0, 0.6),
    ("MARRIOTT BOSTON", "Marriott", "TRAVEL", "TRAVEL_LODGING", "in store", 380.0, 0.5),
    (
        "CVS/PHARMACY #1021",
        "CVS",
        "MEDICAL",
        "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
        "in store",
        32.0,
        1.5,
    ),
    (
        "EQUINOX FITNESS",
        "Equinox",
        "PERSONAL_CARE",
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        "in store",
        95.0,
        0.5,
    ),
)

# Categories the cash-drag rule does not count as spending (moves between own
# accounts and card payments, which would double count the card purchases).
NON_SPENDING_DETAILED_CATEGORIES: frozenset[str] = frozenset(
    {
        "TRANSFER_OUT_SAVINGS",
        "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS",
        "TRANSFER_OUT_ACCOUNT_TRANSFER",
        "TRANSFER_IN_ACCOUNT_TRANSFER",
        "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    }
)

# Descriptions that are not card merchants: (name, merchant, PFC primary, PFC detailed).
FIXED_DESCRIPTIONS: tuple[tuple[str, str | None, str, str], ...] = (
    ("CLIENT INVOICE DEPOSIT", None, "INCOME", "INCOME_OTHER_INCOME"),
    ("ZELLE RENT PAYMENT", None, "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT"),
    (
        "PACIFIC POWER UTIL",
        "Pacific Power",
        "RENT_AND_UTILITIES",
        "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
    ),
    ("COMCAST XFINITY", "Xfinity", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_INTERNET_AND_CABLE"),
    ("INTEREST CHARGE ON PURCHASES", None, "BANK_FEES", "BANK_FEES_INTEREST_CHARGE"),
    ("PAYMENT - THANK YOU", None, "LOAN_PAYMENTS", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"),
    ("CARD AUTOPAY", None, "LOAN_PAYMENTS", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"),
    ("MORTGAGE PAYMENT", None, "LOAN_PAYMENTS", "LOAN_PAYMENTS_MORTGAGE_PAYMENT"),
    ("STUDENT LOAN PMT", None, "LOAN_PAYMENTS", "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT"),
    ("AUTO LOAN PAYMENT", None, "LOAN_PAYMENTS", "LOAN_PAYMENTS_CAR_PAYMENT"),
    ("TRANSFER TO BROKERAGE", None, "TRANSFER_OUT", "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS"),
    ("TRANSFER TO CRYPTO", None, "TRANSFER_OUT", "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS"),
    ("TRANSFER TO IRA", None, "TRANSFER_OUT", "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS"),
    ("TRANSFER TO ROTH", None, "TRANSFER_OUT", "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS"),
    ("TRANSFER TO SAVINGS", None, "TRANSFER_OUT", "TRANSFER_OUT_SAVINGS"),
    ("TRANSFER FROM CHECKING", None, "TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER"),
    ("TRANSFER TO CHECKING", None, "TRANSFER_OUT", "TRANSFER_OUT_ACCOUNT_TRANSFER"),
    ("TRANSFER FROM SAVINGS", None, "TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER"),
    ("INTEREST PAYMENT", None, "INCOME", "INCOME_INTEREST_EARNED"),
)


def _description_catalog() -> tuple[tuple[str, str | None, str, str, str], ...]:
    """Every (name, merchant, PFC primary, PFC detailed, channel) a transaction can have.

    A fixed, ordered catalog (and its "cleaned up" variants, which modified
    transactions switch to), so transactions store a small integer and worker
    processes agree on the numbering.
    """
    base: list[tuple[str, str | None, str, str, str]] = [
        (f"{employer.name.upper()} PAYROLL", employer.name, "INCOME", "INCOME_WAGES", "other")
        for employer in EMPLOYERS
    ]
    base += [
        (name, merchant, primary, detailed, "other")
        for name, merchant, primary, detailed in FIXED_DESCRIPTIONS
    ]
    base += [
        (raw, clean, primary, detailed, channel)
        for raw, clean, primary, detailed, channel, _, _ in CARD_MERCHANTS
    ]
    cleaned = [
        (merchant or name.title(), merchant or name.title(), primary, detailed, channel)
        for name, merchant, primary, detailed, channel in base
    ]
    return tuple(base + cleaned)


DESCRIPTIONS = _description_catalog()
DESCRIPTION_INDEX: dict[tuple[str, str | None, str, str, str], int] = {}
for _position, _description in enumerate(DESCRIPTIONS):
    DESCRIPTION_INDEX.setdefault(_description, _position)
# Index of the cleaned-up variant of each base description.
CLEANED_DESCRIPTION = {i: i + len(DESCRIPTIONS) // 2 for i in range(len(DESCRIPTIONS) // 2)}

# Binary layouts of the Plaid store's transaction files (see sandbox.plaid_store).
# Days are numbers since the history start; -1 means "none".
BANK_TRANSACTION_DTYPE = np.dtype(
    [
        ("transaction_id", "S37"),
        ("account_position", "i1"),
        ("day", "i2"),
        ("amount_cents", "i8"),
        ("description", "i2"),
        ("pending", "i1"),
        ("pending_row", "i4"),
        ("appear_day", "i2"),
        ("modified_day", "i2"),
        ("modified_description", "i2"),
        ("removed_day", "i2"),
    ]
)
# Investment transaction kinds: (Plaid type, Plaid subtype, name template).
INVESTMENT_KINDS: tuple[tuple[str, str, str], ...] = (
    ("buy", "buy", "BUY {security}"),
    ("sell", "sell", "SELL {security}"),
    ("cash", "dividend", "DIVIDEND {security}"),
    ("cash", "contribution", "CONTRIBUTION"),
    ("fee", "account fee", "ANNUAL ACCOUNT FEE"),
    ("transfer", "transfer", "RSU RELEASE {security}"),
)
INVESTMENT_KIND_INDEX = {
    (kind, subtype): i for i, (kind, subtype, _) in enumerate(INVESTMENT_KINDS)
}
INVESTMENT_TRANSACTION_DTYPE = np.dtype(
    [
        ("investment_transaction_id", "S37"),
        ("account_position", "i1"),
        ("security", "i2"),
        ("day", "i2"),
        ("kind", "i1"),
        ("quantity", "f8"),
        ("amount_cents", "i8"),
        ("price_cents", "i8"),
        ("fees_cents", "i8"),
    ]
)
LOT_DTYPE = np.dtype(
    [
        ("lot_id", "S37"),
        ("account_position", "i1"),
        ("security", "i2"),
        ("acquired_day", "i4"),
        ("quantity", "f8"),
        ("cost_basis_cents", "i8"),
        ("valid_from_day", "i4"),
        ("valid_to_day", "i4"),
    ]
)
# valid_to_day of a lot segment still open at as-of.
OPEN_LOT_SENTINEL_DAY = 1_000_000

# Share of snapshot-window transactions that change after they first appear.
MODIFIED_SHARE = 0.08
PENDING_SHARE = 0.06
# Savings accounts earn this APY (paid monthly).
SAVINGS_APY_PCT = 4.0
# Employer 401(k) match: 50% of deferrals up to 6% of salary.
MATCH_RATE = 0.5
MATCH_CAP_PCT_OF_SALARY = 6.0
RSU_SUPPLEMENTAL_WITHHOLDING_PCT = 22.0


@dataclass
class Item:
    """One Plaid item: a client's login at one institution."""

    item_id: str
    client_id: str
    institution: Institution
    access_token: str
    products: tuple[str, ...]
    linked_at: dt.datetime
    account_ids: list[str] = field(default_factory=list)


@dataclass
class Account:
    """One Plaid account with its balance on every snapshot day (cents)."""

    account_id: str
    item_id: str
    client_id: str
    kind: str
    name: str
    official_name: str
    mask: str
    current_cents: list[int]
    available_cents: list[int | None]
    limit_cents: int | None = None
    # Liability terms (credit APRs, mortgage or student-loan terms) for /liabilities/get.
    liability: dict[str, object] | None = None

    @property
    def plaid_type(self) -> str:
        return ACCOUNT_KINDS[self.kind].plaid_type

    @property
    def plaid_subtype(self) -> str:
        return ACCOUNT_KINDS[self.kind].plaid_subtype

    @property
    def balance_sheet_line(self) -> str:
        return ACCOUNT_KINDS[self.kind].balance_sheet_line


@dataclass
class Lot:
    """A tax lot; quantity changes (partial sells) close a segment and open another."""

    lot_id: str
    account_id: str
    security_key: str
    acquired_on: dt.date
    quantity: float
    cost_basis_cents: int
    segment_start_day: int
    # Closed segments: (quantity, cost cents, valid_from_day, valid_to_day exclusive).
    segments: list[tuple[float, int, int, int]] = field(default_factory=list)


@dataclass
class ClientFinances:
    """Everything about one client's money that the Plaid server and the truth need."""

    items: list[Item]
    accounts: list[Account]
    # Structured arrays (BANK_TRANSACTION_DTYPE, INVESTMENT_TRANSACTION_DTYPE, LOT_DTYPE).
    bank_transactions: np.ndarray
    investment_transactions: np.ndarray
    lot_segments: np.ndarray
    grants: list[GrantRecord]
    # Tax-year facts for the forms and the opportunity rules.
    tax_year: int
    salary_usd_cents: int
    deferral_401k_cents: int
    hsa_contribution_cents: int
    rsu_income_cents: int
    rsu_withholding_cents: int
    dividends: dict[str, dict[str, int]]
    interest_cents: dict[str, int]
    sales: list[dict[str, object]]
    # Spending over the 365 days up to as-of (cash-drag rule), cents.
    spending_last_365_days_cents: int
    # Taxable lots open at as-of with recent buys (tax-loss harvesting rule).
    open_taxable_lots: list[dict[str, object]]
    recent_buy_keys: dict[str, set[str]]


class _Ids:
    """Opaque ids drawn from the client's own stream (fast and unique)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._alphabet = np.frombuffer(
            b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8
        )
        self._spare: list[str] = []

    def many(self, count: int, length: int = 37) -> list[str]:
        if count == 0:
            return []
        codes = self._alphabet[self.rng.integers(0, 62, size=(count, length))]
        blob = codes.tobytes().decode("ascii")
        return [blob[i * length : (i + 1) * length] for i in range(count)]

    def one(self, length: int = 37) -> str:
        # Drawn in batches: one numpy call per 256 ids instead of one per id.
        if length != 37:
            return self.many(1, length)[0]
        if not self._spare:
            self._spare = self.many(256)
            self._spare.reverse()
        return self._spare.pop()

    def token(self) -> str:
        return f"access-sandbox-{uuid.UUID(bytes=self.rng.bytes(16), version=4)}"


def _choose_kinds(profile: ClientProfile, rng: np.random.Generator) -> list[str]:
    income_factor = min(profile.annual_income_usd / 150_000, 3.0)
    wanted = ["checking"]
    draws = rng.random(12)
    if draws[0] < 0.8:
        wanted.append("savings")
    if draws[1] < 0.88:
        wanted.append("credit_card")
    if draws[2] < 0.45 + 0.15 * income_factor or _has_public_rsu_plan(profile):
        wanted.append("brokerage")
    if draws[3] < 0.35:
        wanted.append("ira")
    if draws[4] < 0.4:
        wanted.append("roth")
    if profile.employer is not None and draws[5] < 0.82:
        wanted.append("401k")
    if profile.employer is not None and draws[6] < 0.3:
        wanted.append("hsa")
    if draws[7] < 0.15:
        wanted.append("crypto")
    if profile.age_years >= 28 and draws[8] < min(0.25 + profile.age_years / 100, 0.7):
        wanted.append("mortgage")
    if profile.age_years < 45 and draws[9] < 0.35:
        wanted.append("student_loan")
    if draws[10] < 0.15:
        wanted.append("auto_loan")
    return wanted


def _has_public_rsu_plan(profile: ClientProfile) -> bool:
    return bool(profile.employer and profile.employer.is_public and profile.employer.grant_types)


def _institution_for(kind: str, bank: Institution, rng_value: float) -> Institution:
    if kind in bank.account_kinds:
        return bank
    candidates = [i for i in INSTITUTIONS if kind in i.account_kinds]
    return candidates[int(rng_value * len(candidates)) % len(candidates)]


class _Simulation:
    """Per-client simulation state; methods append rows and balance deltas."""

    def __init__(
        self, profile: ClientProfile, calendar: WorldCalendar, market: Market, seed: int
    ) -> None:
        self.profile = profile
        self.calendar = calendar
        self.market = market
        self.seed = seed
        self.rng = rng_for(seed, Stream.ACCOUNTS, profile.number)
        self.ids = _Ids(rng_for(seed, Stream.ACCOUNTS, 10_000_000 + profile.number))
        self.snapshot_days = [calendar.day_index(d) for d in calendar.snapshot_dates()]
        self.first_snapshot_day = self.snapshot_days[0]
        self.tax_year = calendar.as_of.year - 1
        # Daily balance deltas per account (cents, in the account's own sign).
        self.deltas: dict[str, np.ndarray] = {}
        self.opening: dict[str, int] = {}
        self.investment_rows: list[tuple[object, ...]] = []
        self.lots: dict[str, list[Lot]] = {}
        self.closed_lots: list[Lot] = []
        self.cash_deltas: dict[str, np.ndarray] = {}
        self.dividends: dict[str, dict[str, int]] = {}
        self.interest: dict[str, int] = {}
        self.sales: list[dict[str, object]] = []
        self.spending_cents = 0
        self.recent_buys: dict[str, set[str]] = {}
        self.account_kinds: dict[str, str] = {}
        self.account_position: dict[str, int] = {}
        self.bank_records = np.zeros(0, dtype=BANK_TRANSACTION_DTYPE)
        self.pending_rows: list[tuple[object, ...]] = []
        self.dates = calendar._history_dates
        self.iso_dates = calendar.history_iso_dates
        self.closes = market.history_closes(calendar)
        self.snapshot_closes = market.snapshot_closes(calendar)

    # -- dates ---------------------------------------------------------------------
    def date_of(self, day: int) -> dt.date:
        if 0 <= day < HISTORY_DAYS:
            return self.dates[day]
        return self.calendar.history_start + dt.timedelta(days=day)

    def iso_of(self, day: int) -> str:
        return self.iso_dates[day] if 0 <= day < HISTORY_DAYS else self.date_of(day).isoformat()

    def month_days(self, day_of_month: int) -> list[int]:
        """History day numbers of `day_of_month` in every month of the history."""
        return list(self.calendar.month_day_indexes(day_of_month))

    # -- bank transactions ---------------------------------------------------------
    def post(
        self,
        account: str,
        day: int,
        amount_cents: int,
        name: str,
        merchant: str | None,
        primary: str,
        detailed: str,
        channel: str = "other",
    ) -> None:
        """Record one posted bank transaction and its balance effect."""
        if amount_cents == 0 or not 0 <= day < HISTORY_DAYS:
            return
        kind = self.account_kinds[account]
        sign = 1 if ACCOUNT_KINDS[kind].plaid_type == "credit" else -1
        self.deltas[account][day] += sign * amount_cents
        is_spending = amount_cents > 0 and detailed not in NON_SPENDING_DETAILED_CATEGORIES
        if is_spending and day > HISTORY_DAYS - 1 - 365:
            self.spending_cents += amount_cents
        description = DESCRIPTION_INDEX[(name, merchant, primary, detailed, channel)]
        self.pending_rows.append((self.account_position[account], day, amount_cents, description))

    def finish_bank_rows(self) -> None:
        """Give ids and snapshot-window changes (appear, modify, remove) to bank rows."""
        rows = sorted(self.pending_rows)
        ids = self.ids.many(len(rows) * 2)
        draws = self.rng.random((len(rows), 3)).tolist()
        last_day = HISTORY_DAYS - 1
        records: list[tuple[object, ...]] = []
        for index, (position, day, cents, description) in enumerate(rows):
            transaction_id = ids[2 * index]
            appear_day = day if day < self.first_snapshot_day else day + int(draws[index][0] < 0.3)
            modified_day = modified_description = -1
            if day >= self.first_snapshot_day and appear_day <= last_day:
                if draws[index][1] < PENDING_SHARE and appear_day + 1 <= last_day:
                    # Shown first as a pending authorisation under another id, which is
                    # removed when the posted transaction appears a day later.
                    records.append(
                        (
                            ids[2 * index + 1],
                            position,
                            day,
                            cents,
                            description,
                            1,
                            -1,
                            appear_day,
                            -1,
                            -1,
                            appear_day + 1,
                        )
                    )
                    records.append(
                        (
                            transaction_id,
                            position,
                            day,
                            cents,
                            description,
                            0,
                            len(records) - 1,
                            appear_day + 1,
                            -1,
                            -1,
                            -1,
                        )
                    )
                    continue
                if draws[index][2] < MODIFIED_SHARE and appear_day + 1 <= last_day:
                    # The institution cleans up the descriptor a day later.
                    modified_day = appear_day + 1
                    modified_description = CLEANED_DESCRIPTION.get(description, description)
            records.append(
                (
                    transaction_id,
                    position,
                    day,
                    cents,
                    description,
                    0,
                    -1,
                    appear_day,
                    modified_day,
                    modified_description,
                    -1,
                )
            )
        self.bank_records = np.array(records, dtype=BANK_TRANSACTION_DTYPE)

    # -- investments ---------------------------------------------------------------
    def close_on(self, key: str, day: int) -> int:
        return self.closes[key][day]

    def invest(self, account: str, day: int, key: str, amount_cents: int, how: str) -> None:
        """Buy `key` for `amount_cents` on `day` (how: 'buy' or 'transfer' of shares)."""
        price = self.close_on(key, day)
        quantity = round(amount_cents / price, 6)
        if quantity <= 0:
            return
        lot = Lot(self.ids.one(), account, key, self.date_of(day), quantity, amount_cents, day)
        self.lots[account].append(lot)
        if how == "buy":
            self.cash_deltas[account][day] -= amount_cents
            self.investment_row(account, day, key, ("buy", "buy"), quantity, amount_cents, price)
            if day >= HISTORY_DAYS - 31:
                self.recent_buys.setdefault(account, set()).add(key)
        else:
            self.investment_row(account, day, key, ("transfer", "transfer"), quantity, 0, price)

    def investment_row(
        self,
        account: str,
        day: int,
        key: str | None,
        kind: tuple[str, str],
        quantity: float,
        amount_cents: int,
        price_cents: int,
        fees_cents: int = 0,
    ) -> None:
        security = SECURITY_INDEX[key] if key else -1
        self.investment_rows.append(
            (
                self.ids.one(),
                self.account_position[account],
                security,
                day,
                INVESTMENT_KIND_INDEX[kind],
                quantity,
                amount_cents,
                price_cents,
                fees_cents,
            )
        )

    def sell(self, account: str, day: int, key: str, fraction: float, is_taxable: bool) -> None:
        """Sell `fraction` of the position in `key` held on `day`, first-in first-out.

        Buys are simulated before sells, so lots bought after `day` are left alone;
        sells of one account run in date order.
        """
        open_lots = [
            lot
            for lot in self.lots[account]
            if lot.security_key == key and self.calendar.day_index(lot.acquired_on) <= day
        ]
        total = sum(lot.quantity for lot in open_lots)
        to_sell = round(total * fraction, 6)
        if to_sell <= 0:
            return
        price = self.close_on(key, day)
        sold_quantity = 0.0
        for lot in sorted(open_lots, key=lambda lot: (lot.acquired_on, lot.lot_id)):
            if to_sell <= 1e-9:
                break
            quantity = min(lot.quantity, to_sell)
            basis = round(lot.cost_basis_cents * quantity / lot.quantity)
            proceeds = round(quantity * price)
            if is_taxable and self.date_of(day).year == self.tax_year:
                held_days = (self.date_of(day) - lot.acquired_on).days
                self.sales.append(
                    {
                        "account_id": account,
                        "security_key": key,
                        "quantity": quantity,
                        "date_acquired": lot.acquired_on,
                        "date_sold": self.date_of(day),
                        "proceeds_cents": proceeds,
                        "cost_basis_cents": basis,
                        "term": "long" if held_days > 365 else "short",
                    }
                )
            lot.segments.append((lot.quantity, lot.cost_basis_cents, lot.segment_start_day, day))
            lot.quantity = round(lot.quantity - quantity, 6)
            lot.cost_basis_cents -= basis
            lot.segment_start_day = day
            to_sell = round(to_sell - quantity, 6)
            sold_quantity += quantity
        self.closed_lots.extend(lot for lot in self.lots[account] if lot.quantity <= 1e-9)
        self.lots[account] = [lot for lot in self.lots[account] if lot.quantity > 1e-9]
        amount = round(sold_quantity * price)
        self.cash_deltas[account][day] += amount
        self.investment_row(account, day, key, ("sell", "sell"), -sold_quantity, -amount, price)

    def quantities_held(self, account: str, key: str, days: list[int]) -> list[float]:
        """Shares of `key` held in `account` at the end of each of `days`."""
        held = [0.0] * len(days)
        for lot in self.lots[account] + self.closed_lots:
            if lot.account_id != account or lot.security_key != key:
                continue
            acquired_day = self.calendar.day_index(lot.acquired_on)
            final = (lot.quantity, lot.cost_basis_cents, lot.segment_start_day, HISTORY_DAYS + 1)
            for quantity, _cost, start, end in [*lot.segments, final]:
                first = max(start, acquired_day)
                for position, day in enumerate(days):
                    if first <= day < end:
                        held[position] += quantity
        return held


# Portfolios per account kind: (security key, target weight).
PORTFOLIOS: dict[str, tuple[tuple[str, float], ...]] = {
    "brokerage": (
        ("TMKT", 0.35),
        ("SPXI", 0.2),
        ("INTL", 0.1),
        ("TECH", 0.1),
        ("ORCD", 0.08),
        ("MRGY", 0.05),
        ("SLVR", 0.05),
        ("PHRM", 0.04),
        (MONEY_MARKET_KEY, 0.03),
    ),
    "ira": (("SPXI", 0.4), ("INTL", 0.2), ("AGGB", 0.25), ("GRWF", 0.15)),
    "roth": (("TMKT", 0.5), ("TECH", 0.2), ("GRWF", 0.3)),
    "401k": (("TD2050", 0.6), ("TD2060", 0.2), ("BNDF", 0.2)),
    "hsa": (("SPXI", 0.7), (MONEY_MARKET_KEY, 0.3)),
    "crypto": (("BTC", 0.7), ("ETH", 0.3)),
}


def _starting_value_cents(profile: ClientProfile, kind: str, rng: np.random.Generator) -> int:
    years_working = max(profile.age_years - 24, 1)
    income = profile.annual_income_usd
    base = {
        "brokerage": income * 0.08 * years_working,
        "ira": income * 0.05 * years_working,
        "roth": 7_000 * min(years_working, 12) * 0.6,
        "401k": income * 0.09 * years_working,
        "hsa": 3_000 * min(years_working, 10) * 0.5,
        "crypto": income * 0.05,
    }[kind]
    return round(base * float(rng.lognormal(0.0, 0.6)) * 100)


def generate_finances(
    profile: ClientProfile, calendar: WorldCalendar, market: Market, seed: int
) -> ClientFinances:
    """Simulate the 24-month history of `profile`'s accounts."""
    sim = _Simulation(profile, calendar, market, seed)
    rng = sim.rng
    kinds = _choose_kinds(profile, rng)
    bank = [i for i in INSTITUTIONS[:3]][int(rng.integers(0, 3))]
    # Clients with a second card keep it at the card-only issuer.
    if "credit_card" in kinds and rng.random() < 0.25:
        kinds.append("credit_card_2")

    # -- items and accounts -----------------------------------------------------
    items: dict[str, Item] = {}
    accounts: list[Account] = []
    account_by_kind: dict[str, str] = {}
    # Items are linked while the client is active, in the first quarter of that time.
    link_window_end = profile.deleted_at or calendar.end_of_day_utc()
    signup = profile.created_at
    for kind_label in kinds:
        kind = "credit_card" if kind_label == "credit_card_2" else kind_label
        institution = (
            INSTITUTIONS[3]
            if kind_label == "credit_card_2"
            else _institution_for(kind, bank, float(rng.random()))
        )
        item = items.get(institution.institution_id)
        if item is None:
            link_seconds = int(
                rng.integers(0, max(int((link_window_end - signup).total_seconds()) // 4, 2))
            )
            item = Item(
                sim.ids.one(),
                profile.client_id,
                institution,
                sim.ids.token(),
                (),
                signup + dt.timedelta(seconds=link_seconds),
            )
            items[institution.institution_id] = item
        account_id = sim.ids.one()
        item.account_ids.append(account_id)
        mask = f"{int(rng.integers(0, 10_000)):04d}"
        spec = ACCOUNT_KINDS[kind]
        accounts.append(
            Account(
                account_id,
                item.item_id,
                profile.client_id,
                kind,
                f"{institution.name.split()[0]} {spec.display_name}",
                f"{institution.name} {spec.display_name}",
                mask,
                [],
                [],
            )
        )
        account_by_kind.setdefault(kind_label, account_id)
        sim.account_kinds[account_id] = kind
        sim.account_position[account_id] = len(accounts) - 1
        sim.deltas[account_id] = np.zeros(HISTORY_DAYS, dtype=np.int64)
        if spec.plaid_type == "investment":
            sim.lots[account_id] = []
            sim.cash_deltas[account_id] = np.zeros(HISTORY_DAYS, dtype=np.int64)

    for item in items.values():
        item.products = _products_for(
            {sim.account_kinds[account_id] for account_id in item.account_ids}
        )

    # -- income, deferrals, equity ---------------------------------------------------
    salary_cents = round(profile.annual_income_usd * 100)
    deferral_pct = float(
        rng.choice([0, 3, 5, 6, 8, 10, 15, 20], p=[0.08, 0.12, 0.16, 0.2, 0.14, 0.14, 0.08, 0.08])
    )
    deferral_limit_cents = _deferral_limit_cents(sim.tax_year, profile.age_years)
    deferral_cents = 0
    if "401k" in account_by_kind:
        deferral_cents = min(round(salary_cents * deferral_pct / 100), deferral_limit_cents)
    match_cents = round(
        min(deferral_cents, salary_cents * MATCH_CAP_PCT_OF_SALARY / 100) * MATCH_RATE
    )
    hsa_cents = (
        round(float(rng.choice([1_000, 2_000, 3_000, 4_150])) * 100)
        if "hsa" in account_by_kind
        else 0
    )
    grants = generate_grants(profile, calendar, market, seed)
    rsu_income_cents = 0
    rsu_withholding_cents = 0

    # -- checking / savings / cards ---------------------------------------------------
    net_monthly_cents = round((salary_cents - deferral_cents - hsa_cents) * 0.72 / 12)
    checking = account_by_kind["checking"]
    savings = account_by_kind.get("savings")
    card = account_by_kind.get("credit_card")
    card2 = account_by_kind.get("credit_card_2")
    sim.opening[checking] = round(net_monthly_cents * float(rng.uniform(0.5, 2.0)))
    cash_heavy = rng.random() < 0.25
    if savings:
        months_saved = float(rng.uniform(8, 30)) if cash_heavy else float(rng.uniform(0.5, 4))
        sim.opening[savings] = round(net_monthly_cents * months_saved)
    is_revolver = rng.random() < 0.22
    card_apr_pct = round(
        float(rng.uniform(24.0, 29.99) if is_revolver else rng.uniform(16.0, 24.0)), 2
    )
    carried_cents = round(float(rng.uniform(2_000, 18_000)) * 100) if is_revolver else 0
    spend_scale = (profile.annual_income_usd / 150_000) ** 0.5
    employer_label = (profile.employer_name or "CLIENT SERVICES").upper()

    for day in sim.month_days(1) + sim.month_days(15):
        if profile.employer is not None:
            sim.post(
                checking,
                day,
                -net_monthly_cents // 2,
                f"{employer_label} PAYROLL",
                profile.employer_name,
                "INCOME",
                "INCOME_WAGES",
                "other",
            )
        elif sim.date_of(day).day == 1:
            sim.post(
                checking,
                day,
                -net_monthly_cents,
                "CLIENT INVOICE DEPOSIT",
                None,
                "INCOME",
                "INCOME_OTHER_INCOME",
                "other",
            )

    # Liabilities first: their payments come out of checking.
    liabilities = _loans(sim, profile, account_by_kind, accounts, checking)
    if "mortgage" not in account_by_kind:
        rent_cents = round(net_monthly_cents * float(rng.uniform(0.22, 0.33)))
        for day in sim.month_days(1):
            sim.post(
                checking,
                day,
                rent_cents,
                "ZELLE RENT PAYMENT",
                None,
                "RENT_AND_UTILITIES",
                "RENT_AND_UTILITIES_RENT",
            )
    for day in sim.month_days(8):
        sim.post(
            checking,
            day,
            round(float(rng.uniform(70, 260)) * 100),
            "PACIFIC POWER UTIL",
            "Pacific Power",
            "RENT_AND_UTILITIES",
            "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
        )
        sim.post(
            checking,
            day + 2,
            7_999,
            "COMCAST XFINITY",
            "Xfinity",
            "RENT_AND_UTILITIES",
            "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
        )

    # Card purchases: a Poisson number per week, merchants by frequency.
    weights = np.array([m[6] for m in CARD_MERCHANTS])
    weights = weights / weights.sum()
    purchase_count = int(rng.poisson(1.2 * spend_scale**0.5 * HISTORY_DAYS / 7))
    purchase_days = np.sort(rng.integers(0, HISTORY_DAYS, size=purchase_count))
    merchants = rng.choice(len(CARD_MERCHANTS), size=purchase_count, p=weights)
    factors = rng.lognormal(0.0, 0.45, size=purchase_count)
    on_debit = rng.random(purchase_count) < (0.15 if card else 1.0)
    # Scale the amounts so that everyday spending is 35-65% of take-home pay: the
    # number of purchases is kept small for volume, not the money spent.
    typical_usd = np.array([CARD_MERCHANTS[m][5] for m in merchants.tolist()]) * factors
    lifestyle_share = float(rng.uniform(0.35, 0.65))
    target_cents = net_monthly_cents * lifestyle_share * HISTORY_DAYS / 30.44
    scale_cents = target_cents / max(float(typical_usd.sum()), 1.0)
    card_month_totals: dict[tuple[int, int], int] = {}
    for day, merchant_number, amount_usd, debit in zip(
        purchase_days.tolist(),
        merchants.tolist(),
        typical_usd.tolist(),
        on_debit.tolist(),
        strict=True,
    ):
        raw, clean, primary, detailed, channel, _, _ = CARD_MERCHANTS[merchant_number]
        cents = max(round(amount_usd * scale_cents), 100)
        target = checking if debit else (card2 if card2 and day % 3 == 0 else card)
        sim.post(target, day, cents, raw, clean, primary, detailed, channel)
        if target != checking:
            posted = sim.date_of(day)
            month_key = (posted.year, posted.month, target)
            card_month_totals[month_key] = card_month_totals.get(month_key, 0) + cents

    # Card payments on the 20th: last month's purchases (+ interest for revolvers).
    for card_account in [a for a in (card, card2) if a]:
        carried = carried_cents if card_account == card else 0
        sim.opening[card_account] = carried
        for day in sim.month_days(20):
            posted = sim.date_of(day)
            previous = posted.replace(day=1) - dt.timedelta(days=1)
            purchases = card_month_totals.get((previous.year, previous.month, card_account), 0)
            interest = round(carried * card_apr_pct / 100 / 12)
            if interest:
                sim.post(
                    card_account,
                    day - 5,
                    interest,
                    "INTEREST CHARGE ON PURCHASES",
                    None,
                    "BANK_FEES",
                    "BANK_FEES_INTEREST_CHARGE",
                )
            # Autopay of the statement: last month's purchases plus interest, so a
            # revolver's carried balance stays where it is.
            payment = purchases + interest
            sim.post(
                card_account,
                day,
                -payment,
                "PAYMENT - THANK YOU",
                None,
                "LOAN_PAYMENTS",
                "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
            )
            sim.post(
                checking,
                day,
                payment,
                "CARD AUTOPAY",
                None,
                "LOAN_PAYMENTS",
                "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
            )
        limit = max(round(profile.annual_income_usd * 0.2 / 1000) * 1000, 5_000) * 100
        apr_rows = [
            {"apr_percentage": card_apr_pct, "apr_type": "purchase_apr"},
            {"apr_percentage": 29.99, "apr_type": "cash_apr"},
        ]
        _account(accounts, card_account).limit_cents = limit
        _account(accounts, card_account).liability = {
            "aprs": apr_rows,
            "carried_cents": carried,
            "minimum_pct": 1.0,
        }

    # -- investment accounts ------------------------------------------------------------
    _investments(sim, profile, account_by_kind, checking, deferral_cents + match_cents, hsa_cents)
    if _has_public_rsu_plan(profile) and "brokerage" in account_by_kind:
        rsu_income_cents, rsu_withholding_cents = _deliver_public_rsus(
            sim, grants, account_by_kind["brokerage"]
        )

    # Month-end sweep keeps checking near 1.5 months of pay (savings absorbs the rest)
    # and savings earns interest.
    _sweep_and_interest(sim, checking, savings, net_monthly_cents)
    sim.finish_bank_rows()

    # -- balances on snapshot days -------------------------------------------------------
    for account in accounts:
        kind = ACCOUNT_KINDS[account.kind]
        if kind.plaid_type in {"depository", "credit"}:
            running = sim.opening.get(account.account_id, 0) + np.cumsum(
                sim.deltas[account.account_id]
            )
            account.current_cents = [int(running[d]) for d in sim.snapshot_days]
            if kind.plaid_type == "credit":
                account.available_cents = [account.limit_cents - c for c in account.current_cents]  # type: ignore[operator]
            else:
                account.available_cents = list(account.current_cents)
        elif kind.plaid_type == "loan":
            account.current_cents = liabilities[account.account_id]
            account.available_cents = [None] * len(sim.snapshot_days)
        else:
            account.current_cents, account.available_cents = _investment_balances(
                sim, account.account_id
            )

    lot_records = _lot_records(sim)
    account_ids = [account.account_id for account in accounts]
    open_taxable = [
        {
            "account_id": account_ids[position],
            "security_key": SECURITIES[security].key,
            "quantity": quantity,
            "cost_basis_cents": cost,
        }
        for _, position, security, _, quantity, cost, _, valid_to in lot_records.tolist()
        if valid_to == OPEN_LOT_SENTINEL_DAY and ACCOUNT_KINDS[accounts[position].kind].is_taxable
    ]
    investment_records = np.array(
        sorted(sim.investment_rows, key=lambda r: (r[3], r[1], r[4], r[2], r[0])),
        dtype=INVESTMENT_TRANSACTION_DTYPE,
    )
    return ClientFinances(
        items=list(items.values()),
        accounts=accounts,
        bank_transactions=sim.bank_records,
        investment_transactions=investment_records,
        lot_segments=lot_records,
        grants=grants,
        tax_year=sim.tax_year,
        salary_usd_cents=salary_cents,
        deferral_401k_cents=deferral_cents,
        hsa_contribution_cents=hsa_cents,
        rsu_income_cents=rsu_income_cents,
        rsu_withholding_cents=rsu_withholding_cents,
        dividends=sim.dividends,
        interest_cents=sim.interest,
        sales=sim.sales,
        spending_last_365_days_cents=sim.spending_cents,
        open_taxable_lots=open_taxable,
        recent_buy_keys=sim.recent_buys,
    )


def _products_for(kinds: set[str]) -> tuple[str, ...]:
    """Plaid products of an item, from the kinds of accounts it actually holds."""
    products: list[str] = []
    if kinds & {"checking", "savings", "credit_card", "auto_loan"}:
        products.append("transactions")
    if kinds & {"brokerage", "ira", "roth", "401k", "hsa", "crypto"}:
        products.append("investments")
    if kinds & {"credit_card", "mortgage", "student_loan"}:
        products.append("liabilities")
    return tuple(sorted(products))


def _account(accounts: list[Account], account_id: str) -> Account:
    return next(a for a in accounts if a.account_id == account_id)


# IRS elective deferral limits (IRC 402(g)) and age-50 catch-up, by tax year:
# Notices 2021-61, 2022-55, 2023-75, 2024-80.
DEFERRAL_LIMITS_USD: dict[int, tuple[int, int]] = {
    2022: (20_500, 6_500),
    2023: (22_500, 7_500),
    2024: (23_000, 7_500),
    2025: (23_500, 7_500),
}


def deferral_limit_usd(tax_year: int, age_years: int) -> int:
    """The client's 401(k) elective deferral limit for `tax_year` (nearest known year)."""
    year = min(max(tax_year, min(DEFERRAL_LIMITS_USD)), max(DEFERRAL_LIMITS_USD))
    base, catch_up = DEFERRAL_LIMITS_USD[year]
    return base + (catch_up if age_years >= 50 else 0)


def _deferral_limit_cents(tax_year: int, age_years: int) -> int:
    return deferral_limit_usd(tax_year, age_years) * 100


def _amortization_balances(
    principal_cents: int, rate_pct: float, term_months: int, payments: int
) -> tuple[int, list[int]]:
    """(monthly payment, balances after 0..`payments` payments), all in cents."""
    monthly_rate = rate_pct / 100 / 12
    payment = round(principal_cents * monthly_rate / (1 - (1 + monthly_rate) ** -term_months))
    balances = [principal_cents]
    balance = principal_cents
    for _ in range(payments):
        balance = max(balance + round(balance * monthly_rate) - payment, 0)
        balances.append(balance)
    return payment, balances


def _loans(
    sim: _Simulation,
    profile: ClientProfile,
    account_by_kind: dict[str, str],
    accounts: list[Account],
    checking: str,
) -> dict[str, list[int]]:
    """Amortize mortgage, student and auto loans; post their payments from checking."""
    rng = rng_for(sim.seed, Stream.LIABILITIES, profile.number)
    balances: dict[str, list[int]] = {}
    specs = {
        "mortgage": (1, 360, (2.5, 7.25), profile.annual_income_usd * float(rng.uniform(1.8, 4.0))),
        "student_loan": (10, 120, (3.5, 11.5), float(rng.uniform(18_000, 140_000))),
        "auto_loan": (5, 60, (3.9, 9.5), float(rng.uniform(14_000, 48_000))),
    }
    category = {
        "mortgage": ("LOAN_PAYMENTS_MORTGAGE_PAYMENT", "MORTGAGE PAYMENT"),
        "student_loan": ("LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT", "STUDENT LOAN PMT"),
        "auto_loan": ("LOAN_PAYMENTS_CAR_PAYMENT", "AUTO LOAN PAYMENT"),
    }
    for kind, (pay_day, term, (low_rate, high_rate), principal_usd) in specs.items():
        account_id = account_by_kind.get(kind)
        if account_id is None:
            continue
        rate_pct = round(float(rng.uniform(low_rate, high_rate)), 3)
        principal_cents = round(principal_usd / 1000) * 1000 * 100
        # Months already paid when the history starts: the loan is still running at as-of.
        paid_before = int(rng.integers(1, max(term - 30, 2)))
        origination = (
            sim.calendar.history_start.replace(day=1) - dt.timedelta(days=paid_before * 30.44)
        ).replace(day=pay_day)
        detailed, label = category[kind]
        pay_days = sim.month_days(pay_day)
        payment, schedule = _amortization_balances(
            principal_cents, rate_pct, term, paid_before + len(pay_days)
        )
        payments_by_snapshot = []
        for snapshot_day in sim.snapshot_days:
            made = paid_before + sum(1 for d in pay_days if d <= snapshot_day)
            payments_by_snapshot.append(schedule[made])
        escrow = round(float(rng.uniform(250, 900)) * 100) if kind == "mortgage" else 0
        for day in pay_days:
            sim.post(checking, day, payment + escrow, label, None, "LOAN_PAYMENTS", detailed)
        balances[account_id] = payments_by_snapshot
        made_by_asof = paid_before + len(pay_days)
        last_pay_day = pay_days[-1] if pay_days else 0
        year_start = dt.date(sim.calendar.as_of.year, 1, 1)
        ytd_payments = sum(1 for d in pay_days if sim.date_of(d) >= year_start)
        before_year = schedule[made_by_asof - ytd_payments]
        after = schedule[made_by_asof]
        ytd_principal = before_year - after
        ytd_interest = payment * ytd_payments - ytd_principal
        _account(accounts, account_id).liability = {
            "interest_rate_pct": rate_pct,
            "origination_date": origination.isoformat(),
            "origination_principal_cents": principal_cents,
            "term_months": term,
            "maturity_date": (origination + dt.timedelta(days=round(term * 30.44))).isoformat(),
            "payment_cents": payment,
            "escrow_cents": escrow,
            "last_payment_date": sim.date_of(last_pay_day).isoformat(),
            "ytd_interest_cents": ytd_interest,
            "ytd_principal_cents": ytd_principal,
            "pay_day": pay_day,
            "property": {
                "street": profile.street_address,
                "city": profile.city,
                "region": profile.state,
                "postal_code": profile.postal_code,
            },
        }
    return balances


def _investments(
    sim: _Simulation,
    profile: ClientProfile,
    account_by_kind: dict[str, str],
    checking: str,
    retirement_yearly_cents: int,
    hsa_yearly_cents: int,
) -> None:
    """Opening lots, monthly contributions and buys, dividends, sells and fees."""
    rng = rng_for(sim.seed, Stream.INVESTMENTS, profile.number)
    for kind, portfolio in PORTFOLIOS.items():
        account = account_by_kind.get(kind)
        if account is None:
            continue
        chosen = list(portfolio)
        if len(chosen) > 4:
            # A brokerage holds a handful of the candidates, not all of them.
            picks = rng.choice(len(chosen), size=int(rng.integers(3, 6)), replace=False)
            chosen = [chosen[i] for i in sorted(picks.tolist())]
        keys = [key for key, _ in chosen]
        weights = np.array([w for _, w in chosen])
        weights = weights / weights.sum()
        # Opening lots bought 1-8 years before the history: some at a gain, some at a loss.
        start_value = _starting_value_cents(profile, kind, rng)
        for key, weight in zip(keys, weights.tolist(), strict=True):
            for _ in range(int(rng.integers(1, 4))):
                years_back = float(rng.uniform(0.1, 8.0))
                bought_on = sim.calendar.history_start - dt.timedelta(days=round(years_back * 365))
                amount = round(start_value * weight / 2)
                price = sim.market.close_usd_cents(key, bought_on)
                quantity = round(amount / price, 6)
                if quantity > 0:
                    sim.lots[account].append(
                        Lot(sim.ids.one(), account, key, bought_on, quantity, amount, 0)
                    )
        sim.opening[account] = round(start_value * 0.01)  # uninvested cash
        if kind == "401k":
            monthly = retirement_yearly_cents // 12
        elif kind == "hsa":
            monthly = hsa_yearly_cents // 12
        elif kind in {"brokerage", "crypto"}:
            monthly = round(profile.annual_income_usd * float(rng.uniform(0.0, 0.06)) / 12) * 100
        else:
            monthly = round(float(rng.choice([0, 250, 500, 583])) * 100)
        is_taxable = ACCOUNT_KINDS[kind].is_taxable
        contribution_days = sim.month_days(16)
        picks = rng.choice(len(keys), size=len(contribution_days), p=weights).tolist()
        for day, pick in zip(contribution_days, picks, strict=True):
            if monthly <= 0:
                break
            sim.cash_deltas[account][day] += monthly
            sim.investment_row(account, day, None, ("cash", "contribution"), 0.0, -monthly, 0)
            if kind in {"brokerage", "crypto", "ira", "roth"}:
                label = "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS"
                sim.post(
                    checking,
                    day,
                    monthly,
                    f"TRANSFER TO {kind.upper()}",
                    None,
                    "TRANSFER_OUT",
                    label,
                )
            sim.invest(account, day, keys[pick], monthly, "buy")
        # Taxable accounts rebalance now and then: sells realise gains or losses.
        if kind == "brokerage":
            for day in sorted(
                rng.integers(30, HISTORY_DAYS - 40, size=int(rng.integers(0, 4))).tolist()
            ):
                held = sorted({lot.security_key for lot in sim.lots[account]} - {MONEY_MARKET_KEY})
                if held:
                    key = held[int(rng.integers(0, len(held)))]
                    sim.sell(account, day, key, float(rng.uniform(0.2, 0.6)), is_taxable)
        # Quarterly dividends to cash, on the shares held that day.
        quarter_days = [d for d in sim.month_days(20) if sim.date_of(d).month in (3, 6, 9, 12)]
        for key in keys:
            spec = SECURITIES[SECURITY_INDEX[key]]
            if spec.dividend_yield_pct <= 0:
                continue
            for day, quantity in zip(
                quarter_days, sim.quantities_held(account, key, quarter_days), strict=True
            ):
                dividend = round(quantity * sim.close_on(key, day) * spec.dividend_yield_pct / 400)
                if dividend <= 0:
                    continue
                sim.cash_deltas[account][day] += dividend
                sim.investment_row(account, day, key, ("cash", "dividend"), 0.0, -dividend, 0)
                if is_taxable and sim.date_of(day).year == sim.tax_year:
                    totals = sim.dividends.setdefault(account, {"ordinary": 0, "qualified": 0})
                    totals["ordinary"] += dividend
                    totals["qualified"] += round(dividend * spec.qualified_dividend_share)
        if kind in {"brokerage", "ira"}:
            for day in sim.month_days(28):
                if sim.date_of(day).month == 12:
                    fee = 2_500
                    sim.cash_deltas[account][day] -= fee
                    sim.investment_row(account, day, None, ("fee", "account fee"), 0.0, fee, 0, fee)


def _deliver_public_rsus(
    sim: _Simulation, grants: list[GrantRecord], brokerage: str
) -> tuple[int, int]:
    """Vested public RSUs: shares withheld for tax (22%), the rest moved to the brokerage."""
    income = withheld = 0
    for vest_date, ticker, shares in public_vest_events(grants, sim.calendar):
        day = sim.calendar.day_index(vest_date)
        price = sim.market.close_usd_cents(ticker, vest_date)
        value = shares * price
        net_shares = shares - round(shares * RSU_SUPPLEMENTAL_WITHHOLDING_PCT / 100)
        if vest_date.year == sim.tax_year:
            income += value
            withheld += round(value * RSU_SUPPLEMENTAL_WITHHOLDING_PCT / 100)
        if 0 <= day < HISTORY_DAYS and net_shares > 0:
            sim.invest(brokerage, day, ticker, net_shares * price, "transfer")
    return income, withheld


def _sweep_and_interest(
    sim: _Simulation, checking: str, savings: str | None, net_monthly_cents: int
) -> None:
    target = round(net_monthly_cents * 1.5)
    running_checking = sim.opening[checking] + np.cumsum(sim.deltas[checking])
    adjustment = 0
    savings_balance = sim.opening.get(savings, 0) if savings else 0
    for day in sim.month_days(27):
        if savings is None:
            break
        posted = sim.date_of(day)
        balance = int(running_checking[day]) + adjustment
        move = balance - target
        if move < 0:
            move = -min(-move, max(savings_balance, 0))
        if move:
            if move > 0:
                sim.post(
                    checking,
                    day,
                    move,
                    "TRANSFER TO SAVINGS",
                    None,
                    "TRANSFER_OUT",
                    "TRANSFER_OUT_SAVINGS",
                )
                sim.post(
                    savings,
                    day,
                    -move,
                    "TRANSFER FROM CHECKING",
                    None,
                    "TRANSFER_IN",
                    "TRANSFER_IN_ACCOUNT_TRANSFER",
                )
            else:
                sim.post(
                    savings,
                    day,
                    -move,
                    "TRANSFER TO CHECKING",
                    None,
                    "TRANSFER_OUT",
                    "TRANSFER_OUT_ACCOUNT_TRANSFER",
                )
                sim.post(
                    checking,
                    day,
                    move,
                    "TRANSFER FROM SAVINGS",
                    None,
                    "TRANSFER_IN",
                    "TRANSFER_IN_ACCOUNT_TRANSFER",
                )
            adjustment -= move
            savings_balance += move
        interest = round(max(savings_balance, 0) * SAVINGS_APY_PCT / 100 / 12)
        if interest:
            sim.post(
                savings,
                day + 1,
                -interest,
                "INTEREST PAYMENT",
                None,
                "INCOME",
                "INCOME_INTEREST_EARNED",
            )
            savings_balance += interest
            if posted.year == sim.tax_year:
                sim.interest[savings] = sim.interest.get(savings, 0) + interest


def _investment_balances(sim: _Simulation, account: str) -> tuple[list[int], list[int | None]]:
    """(total value, cash) of `account` at the end of each snapshot day, in cents.

    Value = cash + sum over open lot segments of round(quantity * close), the same
    per-lot rounding the holdings of the Plaid server use.
    """
    cash = sim.opening.get(account, 0) + np.cumsum(sim.cash_deltas[account])
    cash_by_day = [int(cash[day]) for day in sim.snapshot_days]
    segments = []
    for lot in sim.lots[account] + [lot for lot in sim.closed_lots if lot.account_id == account]:
        acquired_day = sim.calendar.day_index(lot.acquired_on)
        final = (lot.quantity, lot.cost_basis_cents, lot.segment_start_day, HISTORY_DAYS + 1)
        for quantity, _cost, start, end in [*lot.segments, final]:
            if quantity > 1e-9 and end > sim.first_snapshot_day:
                segments.append(
                    (SECURITY_INDEX[lot.security_key], quantity, max(start, acquired_day), end)
                )
    current = list(cash_by_day)
    if segments:
        table = np.array(segments)
        securities = table[:, 0].astype(int)
        days = np.array(sim.snapshot_days)
        held = (table[:, 2:3] <= days) & (days < table[:, 3:4])
        closes = sim.snapshot_closes[securities]
        values = np.round(table[:, 1:2] * closes) * held
        current = [
            c + int(v) for c, v in zip(cash_by_day, values.sum(axis=0).tolist(), strict=True)
        ]
    return current, list(cash_by_day)


def _lot_records(sim: _Simulation) -> np.ndarray:
    """Lot segments overlapping the snapshot window (LOT_DTYPE), by account then lot id.

    A segment holds `quantity` from `valid_from_day` (inclusive) to `valid_to_day`
    (exclusive; OPEN_LOT_SENTINEL_DAY while still open at as-of).
    """
    records = []
    first = sim.first_snapshot_day
    for account, open_lots in sim.lots.items():
        position = sim.account_position[account]
        for lot in open_lots + [lot for lot in sim.closed_lots if lot.account_id == account]:
            acquired_day = sim.calendar.day_index(lot.acquired_on)
            final = (
                lot.quantity,
                lot.cost_basis_cents,
                lot.segment_start_day,
                OPEN_LOT_SENTINEL_DAY,
            )
            for quantity, cost, start, end in [*lot.segments, final]:
                if quantity <= 1e-9 or end <= first:
                    continue
                records.append(
                    (
                        lot.lot_id,
                        position,
                        SECURITY_INDEX[lot.security_key],
                        acquired_day,
                        quantity,
                        cost,
                        max(start, acquired_day),
                        end,
                    )
                )
    records.sort(key=lambda r: (r[1], r[0], r[6]))
    return np.array(records, dtype=LOT_DTYPE)
