"""Equity compensation: ISO/NSO/RSU grants, vesting with cliffs, and their value on a day.

Vesting rule (the same for every grant, documented in sandbox/README.md): 48 months
from the vesting start, nothing before the 12-month cliff, 25% at the cliff, then
monthly (options) or quarterly (RSUs); vested shares are
floor(shares * vested_months / 48), vested_months being whole months since the start
rounded down to the vesting frequency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sandbox.clock import WorldCalendar
from sandbox.households import ClientProfile
from sandbox.market import Market
from sandbox.seeding import Stream, rng_for

VESTING_MONTHS = 48
CLIFF_MONTHS = 12
OPTION_TERM_YEARS = 10


@dataclass(frozen=True)
class GrantRecord:
    """One equity grant as the employer's equity platform exports it."""

    grant_id: str
    client_id: str
    employer_name: str
    is_public_company: bool
    ticker: str | None
    grant_type: str  # ISO, NSO or RSU
    grant_date: dt.date
    shares_granted: int
    strike_price_cents: int | None
    vesting_start_date: dt.date
    vest_frequency_months: int
    expiration_date: dt.date | None
    exercised_shares: int
    exercise_date: dt.date | None

    @property
    def is_option(self) -> bool:
        return self.grant_type in {"ISO", "NSO"}


def whole_months_between(start: dt.date, day: dt.date) -> int:
    """Whole months from `start` to `day` (a month counts once its day-of-month is reached)."""
    months = (day.year - start.year) * 12 + day.month - start.month
    if day.day < start.day:
        months -= 1
    return months


def vested_shares(grant: GrantRecord, day: dt.date) -> int:
    """Shares of `grant` vested at the end of `day`."""
    months = whole_months_between(grant.vesting_start_date, day)
    if months < CLIFF_MONTHS:
        return 0
    months = min(months - months % grant.vest_frequency_months, VESTING_MONTHS)
    return grant.shares_granted * months // VESTING_MONTHS


def _add_months(day: dt.date, months: int) -> dt.date:
    month_number = day.month - 1 + months
    return dt.date(day.year + month_number // 12, month_number % 12 + 1, min(day.day, 28))


def generate_grants(
    profile: ClientProfile, calendar: WorldCalendar, market: Market, seed: int
) -> list[GrantRecord]:
    """0-3 grants for clients whose employer has an equity plan (85% of them)."""
    employer = profile.employer
    if employer is None or not employer.grant_types:
        return []
    rng = rng_for(seed, Stream.EQUITY, profile.number)
    if rng.random() >= 0.85:
        return []
    grants = []
    for number in range(int(rng.integers(1, 4))):
        grant_type = employer.grant_types[int(rng.integers(0, len(employer.grant_types)))]
        # Vesting start on the 1st or 15th: (vesting starts rarely fall on odd days).
        grant_date = calendar.as_of - dt.timedelta(days=int(rng.integers(30, 4 * 365 + 180)))
        grant_date = grant_date.replace(day=1 if grant_date.day < 15 else 15)
        if employer.is_public:
            price_cents = market.close_usd_cents(employer.ticker or "", grant_date)
            target_value_usd = float(rng.uniform(20_000, 320_000))
            shares = max(int(target_value_usd * 100 / price_cents), 10)
            strike = None
        elif grant_type == "RSU":
            shares = int(rng.integers(1_000, 20_001))
            strike = None
        else:
            shares = int(rng.integers(2_000, 60_001))
            strike = market.fmv_409a_cents(employer.name, grant_date)
        exercised = 0
        exercise_date = None
        if grant_type in {"ISO", "NSO"} and rng.random() < 0.25:
            exercise_date = calendar.as_of - dt.timedelta(days=180)
            probe = GrantRecord(
                "",
                "",
                "",
                False,
                None,
                grant_type,
                grant_date,
                shares,
                strike,
                grant_date,
                1,
                None,
                0,
                None,
            )
            exercised = int(vested_shares(probe, exercise_date) * float(rng.uniform(0.2, 1.0)))
            if exercised == 0:
                exercise_date = None
        grants.append(
            GrantRecord(
                grant_id=f"{profile.client_id.replace('cl_', 'GR')}-{number + 1:02d}",
                client_id=profile.client_id,
                employer_name=employer.name,
                is_public_company=employer.is_public,
                ticker=employer.ticker,
                grant_type=grant_type,
                grant_date=grant_date,
                shares_granted=shares,
                strike_price_cents=strike,
                vesting_start_date=grant_date,
                vest_frequency_months=3 if grant_type == "RSU" else 1,
                expiration_date=(
                    grant_date.replace(year=grant_date.year + OPTION_TERM_YEARS)
                    if grant_type != "RSU"
                    else None
                ),
                exercised_shares=exercised,
                exercise_date=exercise_date,
            )
        )
    return grants


def public_vest_events(
    grants: list[GrantRecord], calendar: WorldCalendar
) -> list[tuple[dt.date, str, int]]:
    """(vest date, ticker, shares) of public-company RSU vests up to as-of, in date order."""
    events = []
    for grant in grants:
        if not grant.is_public_company or grant.grant_type != "RSU" or not grant.ticker:
            continue
        already = 0
        for months in range(CLIFF_MONTHS, VESTING_MONTHS + 1, grant.vest_frequency_months):
            vest_date = _add_months(grant.vesting_start_date, months)
            if vest_date > calendar.as_of:
                break
            total = vested_shares(grant, vest_date)
            if total > already:
                events.append((vest_date, grant.ticker, total - already))
                already = total
    return sorted(events)


def grant_value_cents(grant: GrantRecord, day: dt.date, market: Market) -> tuple[int, int]:
    """(vested value, unvested value) of `grant` on `day`, in cents.

    Private companies: 409A fair market value in force on `day`; vested RSUs (not
    yet delivered: double trigger), exercised shares and the spread of vested,
    unexercised options count as vested. Public RSUs: vested shares were delivered
    to the brokerage (counted there), so only the unvested ones count here, at the
    close of `day`.
    """
    vested = vested_shares(grant, day)
    unvested = grant.shares_granted - vested
    if grant.is_public_company:
        price = market.close_usd_cents(grant.ticker or "", day)
        return 0, unvested * price
    fmv = market.fmv_409a_cents(grant.employer_name, day)
    if grant.is_option:
        spread = max(fmv - (grant.strike_price_cents or 0), 0)
        exercised = (
            grant.exercised_shares if grant.exercise_date and grant.exercise_date <= day else 0
        )
        return (vested - exercised) * spread + exercised * fmv, unvested * spread
    return vested * fmv, unvested * fmv
