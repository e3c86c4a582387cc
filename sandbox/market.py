"""The securities universe, daily close prices and private companies' 409A valuations.

Prices follow seeded geometric Brownian motions over ten years ending at as-of
(lots bought years before the 24-month history need a purchase price), one close
per calendar day, rounded to the cent. Cash and money-market funds stay at 1.00.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np

from sandbox.clock import HISTORY_DAYS, WorldCalendar
from sandbox.reference import EMPLOYERS
from sandbox.seeding import Stream, rng_for

MARKET_YEARS = 10
VALUATION_409A_INTERVAL_DAYS = 182
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# FIGI characters: digits and consonants (vowels are excluded by the standard).
FIGI_CHARACTERS = "0123456789BCDFGHJKLMNPQRSTVWXYZ"


@dataclass(frozen=True)
class SecuritySpec:
    """One security of the world, in Plaid's vocabulary (`type` is Plaid's security type)."""

    key: str
    name: str
    ticker: str | None
    security_type: str
    is_cash_equivalent: bool
    initial_price_usd: float
    drift_pct: float
    volatility_pct: float
    dividend_yield_pct: float
    sector: str | None
    industry: str | None
    # Share of dividends that are qualified (1099-DIV box 1b / box 1a).
    qualified_dividend_share: float = 0.0


CASH_KEY = "CUR:USD"
MONEY_MARKET_KEY = "MMKT"

_FUNDS_AND_STOCKS: tuple[SecuritySpec, ...] = (
    SecuritySpec(CASH_KEY, "U S Dollar", CASH_KEY, "cash", True, 1.0, 0, 0, 0, None, None),
    SecuritySpec(
        MONEY_MARKET_KEY,
        "Federal Money Market Fund",
        "FMMXX",
        "mutual fund",
        True,
        1.0,
        0,
        0,
        4.5,
        None,
        None,
        0.0,
    ),
    SecuritySpec(
        "TMKT",
        "Total Stock Market Index ETF",
        "TMKT",
        "etf",
        False,
        210.0,
        8.0,
        16.0,
        1.4,
        None,
        None,
        0.95,
    ),
    SecuritySpec(
        "SPXI", "S&P 500 Index ETF", "SPXI", "etf", False, 410.0, 8.5, 15.5, 1.3, None, None, 0.95
    ),
    SecuritySpec(
        "INTL",
        "International Equity Index ETF",
        "INTL",
        "etf",
        False,
        58.0,
        4.0,
        17.0,
        3.0,
        None,
        None,
        0.7,
    ),
    SecuritySpec(
        "AGGB",
        "Aggregate Bond Index ETF",
        "AGGB",
        "etf",
        False,
        98.0,
        0.5,
        6.0,
        3.4,
        None,
        None,
        0.0,
    ),
    SecuritySpec(
        "TECH",
        "Technology Sector ETF",
        "TECH",
        "etf",
        False,
        165.0,
        12.0,
        24.0,
        0.6,
        "Technology",
        None,
        0.95,
    ),
    SecuritySpec(
        "TD2050",
        "Target Retirement 2050 Fund",
        "TRFFX",
        "mutual fund",
        False,
        44.0,
        7.0,
        14.0,
        1.8,
        None,
        None,
        0.8,
    ),
    SecuritySpec(
        "TD2060",
        "Target Retirement 2060 Fund",
        "TRGFX",
        "mutual fund",
        False,
        39.0,
        7.5,
        15.0,
        1.7,
        None,
        None,
        0.8,
    ),
    SecuritySpec(
        "GRWF",
        "Growth Fund Admiral Shares",
        "GRWAX",
        "mutual fund",
        False,
        120.0,
        9.0,
        19.0,
        0.5,
        None,
        None,
        0.9,
    ),
    SecuritySpec(
        "BNDF",
        "Total Bond Market Index Fund",
        "TBNDX",
        "mutual fund",
        False,
        10.5,
        0.3,
        5.0,
        3.6,
        None,
        None,
        0.0,
    ),
    SecuritySpec(
        "ORCD",
        "Orchard Devices Inc.",
        "ORCD",
        "equity",
        False,
        145.0,
        11.0,
        28.0,
        0.5,
        "Electronic Technology",
        "Telecommunications Equipment",
        1.0,
    ),
    SecuritySpec(
        "MRGY",
        "Meridian Energy Corp.",
        "MRGY",
        "equity",
        False,
        72.0,
        3.0,
        30.0,
        3.8,
        "Energy Minerals",
        "Integrated Oil",
        1.0,
    ),
    SecuritySpec(
        "SLVR",
        "Silverline Motors Inc.",
        "SLVR",
        "equity",
        False,
        210.0,
        6.0,
        55.0,
        0.0,
        "Consumer Durables",
        "Motor Vehicles",
        1.0,
    ),
    SecuritySpec(
        "PHRM",
        "Pinnacle Pharmaceuticals",
        "PHRM",
        "equity",
        False,
        88.0,
        4.0,
        22.0,
        2.6,
        "Health Technology",
        "Pharmaceuticals: Major",
        1.0,
    ),
    SecuritySpec(
        "BTC", "Bitcoin", "BTC", "cryptocurrency", False, 9000.0, 35.0, 65.0, 0.0, None, None
    ),
    SecuritySpec(
        "ETH", "Ethereum", "ETH", "cryptocurrency", False, 300.0, 35.0, 80.0, 0.0, None, None
    ),
)


def _employer_securities() -> tuple[SecuritySpec, ...]:
    return tuple(
        SecuritySpec(
            employer.ticker,
            employer.name,
            employer.ticker,
            "equity",
            False,
            employer.initial_share_price_usd,
            employer.drift_pct,
            employer.volatility_pct,
            1.0,
            None,
            employer.industry,
            1.0,
        )
        for employer in EMPLOYERS
        if employer.is_public and employer.ticker
    )


SECURITIES: tuple[SecuritySpec, ...] = _FUNDS_AND_STOCKS + _employer_securities()
SECURITY_INDEX: dict[str, int] = {spec.key: i for i, spec in enumerate(SECURITIES)}


def opaque_id(seed: int, *parts: object, length: int = 37) -> str:
    """A Plaid-looking opaque id (mixed-case alphanumeric), stable for (seed, parts)."""
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    number = int.from_bytes(digest, "big")
    characters = []
    for _ in range(length):
        number, remainder = divmod(number, 62)
        characters.append(ALPHANUMERIC[remainder])
    return "".join(characters)


def _figi(seed: int, key: str) -> str:
    digest = hashlib.sha256(repr((seed, "figi", key)).encode()).digest()
    return "BBG" + "".join(FIGI_CHARACTERS[b % len(FIGI_CHARACTERS)] for b in digest[:9])


def _cusip(seed: int, key: str) -> str:
    digest = hashlib.sha256(repr((seed, "cusip", key)).encode()).digest()
    body = "".join(ALPHANUMERIC[b % 36] for b in digest[:8]).upper()
    # Modulus-10 "double-add-double" check digit of the CUSIP standard.
    total = 0
    for position, character in enumerate(body):
        value = int(character) if character.isdigit() else ord(character) - 55
        if position % 2 == 1:
            value *= 2
        total += value // 10 + value % 10
    return body + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class SecurityIdentity:
    """Identifiers of one security in this world."""

    security_id: str
    figi: str | None
    cusip: str | None
    isin: str | None


class Market:
    """Daily closes of every security and 409A history of every private employer."""

    def __init__(self, seed: int, as_of: dt.date) -> None:
        self.seed = seed
        self.as_of = as_of
        self.start = as_of - dt.timedelta(days=MARKET_YEARS * 365)
        days = (as_of - self.start).days + 1
        closes = np.empty((len(SECURITIES), days))
        for number, spec in enumerate(SECURITIES):
            closes[number] = self._path(number, spec.initial_price_usd, spec, days)
        # Integer cents: every amount derived from a price is exact.
        self.close_cents = np.round(closes * 100).astype(np.int64)
        self._history_closes: dict[str, list[int]] | None = None
        self._snapshot_closes: np.ndarray | None = None
        self.identities = [self._identity(spec) for spec in SECURITIES]
        self.fmv_409a = {
            employer.name: self._valuations(number, employer.initial_share_price_usd)
            for number, employer in enumerate(EMPLOYERS)
            if not employer.is_public and employer.grant_types
        }

    def _path(self, number: int, initial: float, spec: SecuritySpec, days: int) -> np.ndarray:
        if spec.volatility_pct == 0:
            return np.full(days, initial)
        rng = rng_for(self.seed, Stream.MARKET, number)
        daily_sigma = spec.volatility_pct / 100 / np.sqrt(365)
        daily_mu = spec.drift_pct / 100 / 365 - daily_sigma**2 / 2
        steps = rng.normal(daily_mu, daily_sigma, size=days - 1)
        return np.maximum(initial * np.exp(np.concatenate([[0.0], np.cumsum(steps)])), 0.5)

    def _identity(self, spec: SecuritySpec) -> SecurityIdentity:
        security_id = opaque_id(self.seed, "security", spec.key)
        if spec.security_type in {"cash", "cryptocurrency"}:
            return SecurityIdentity(security_id, None, None, None)
        cusip = _cusip(self.seed, spec.key)
        return SecurityIdentity(security_id, _figi(self.seed, spec.key), cusip, "US" + cusip + "0")

    def _valuations(self, number: int, initial_fmv: float) -> list[tuple[dt.date, int]]:
        """409A fair market values (date, cents): one every six months over ten years."""
        employer = EMPLOYERS[number]
        rng = rng_for(self.seed, Stream.MARKET, 1000 + number)
        sigma = employer.volatility_pct / 100 * np.sqrt(VALUATION_409A_INTERVAL_DAYS / 365)
        mu = employer.drift_pct / 100 * VALUATION_409A_INTERVAL_DAYS / 365
        valuations: list[tuple[dt.date, int]] = []
        fmv = initial_fmv
        day = self.start
        while day <= self.as_of:
            valuations.append((day, round(fmv * 100)))
            fmv = max(fmv * float(np.exp(rng.normal(mu - sigma**2 / 2, sigma))), 0.05)
            day += dt.timedelta(days=VALUATION_409A_INTERVAL_DAYS)
        return valuations

    def history_closes(self, calendar: WorldCalendar) -> dict[str, list[int]]:
        """Closes in cents of every security on each history day (index = day number)."""
        if self._history_closes is None:
            first = self.day_number(calendar.history_start)
            window = self.close_cents[:, first : first + HISTORY_DAYS]
            self._history_closes = {
                spec.key: window[number].tolist() for number, spec in enumerate(SECURITIES)
            }
        return self._history_closes

    def snapshot_closes(self, calendar: WorldCalendar) -> np.ndarray:
        """Closes in cents, shape (security, snapshot day), as floats for vector maths."""
        if self._snapshot_closes is None:
            first = self.day_number(calendar.snapshot_start)
            days = len(calendar.snapshot_dates())
            self._snapshot_closes = self.close_cents[:, first : first + days].astype(float)
        return self._snapshot_closes

    def day_number(self, day: dt.date) -> int:
        return (day - self.start).days

    def close_usd_cents(self, key: str, day: dt.date) -> int:
        """Close of `key` on `day` in cents (the as-of close for later days)."""
        number = min(max(self.day_number(day), 0), self.close_cents.shape[1] - 1)
        return int(self.close_cents[SECURITY_INDEX[key], number])

    def fmv_409a_cents(self, employer_name: str, day: dt.date) -> int:
        """The 409A value in force on `day` (the latest valuation on or before it)."""
        in_force = self.fmv_409a[employer_name][0][1]
        for valuation_date, fmv_cents in self.fmv_409a[employer_name]:
            if valuation_date > day:
                break
            in_force = fmv_cents
        return in_force
