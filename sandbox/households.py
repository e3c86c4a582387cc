"""Clients and their households: identity, address, age, filing status, income, employer.

`generate_client(seed, number, calendar)` returns one `ClientProfile`, drawn only
from that client's own seeded streams (see `sandbox.seeding`), so profiles are
independent of the world size and of the order in which they are generated.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass

import numpy as np
from faker import Faker

from sandbox.clock import SIGNUP_SPAN_DAYS, WorldCalendar
from sandbox.reference import (
    EMAIL_DOMAINS,
    EMPLOYERS,
    NO_EMPLOYER_SHARE,
    SIGNUP_CHANNEL_WEIGHTS,
    STATE_POPULATION_THOUSANDS,
    STATE_ZIP_RANGES,
    Employer,
)
from sandbox.seeding import Stream, int_seed_for, rng_for

# Share of clients whose account was soft-deleted (closed) by as-of.
DELETED_CLIENT_SHARE = 0.03

# Median annual wage income of a client, and the spread of its log-normal law: the
# clients of a wealth-advice firm earn well above the US median.
MEDIAN_INCOME_USD = 155_000.0
INCOME_LOG_SIGMA = 0.55
MIN_INCOME_USD = 38_000.0
MAX_INCOME_USD = 2_500_000.0

# Income multiplier by industry: engineers at tech employers earn more than teachers.
INDUSTRY_INCOME_FACTOR = {
    "software": 1.45,
    "semiconductors": 1.35,
    "fintech": 1.35,
    "robotics": 1.25,
    "biotech": 1.25,
    "banking": 1.2,
    "legal": 1.4,
    "consulting": 1.15,
    "healthcare": 1.05,
    "retail": 0.75,
    "manufacturing": 0.85,
    "education": 0.55,
    "government": 0.65,
}


@dataclass(frozen=True)
class ClientProfile:
    """One client (the primary member of a household) as the product knows them."""

    number: int
    client_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: dt.date
    ssn: str
    street_address: str
    city: str
    state: str
    postal_code: str
    filing_status: str
    annual_income_usd: float
    employer: Employer | None
    signup_channel: str
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    # Household facts that are not columns of `clients` but drive the rest of the world.
    age_years: int
    dependents_count: int
    spouse_income_usd: float

    @property
    def employer_name(self) -> str | None:
        """Name on the client's W-2, or None when they have no employer."""
        return self.employer.name if self.employer else None

    @property
    def household_income_usd(self) -> float:
        """Income of the tax household (spouse included when filing jointly)."""
        return round(self.annual_income_usd + self.spouse_income_usd, 2)


def client_id_for(number: int) -> str:
    """The app's client id of the client with 1-based `number`: cl_000001, ..."""
    return f"cl_{number:06d}"


@functools.cache
def _name_tables() -> tuple[list[str], np.ndarray, list[str], np.ndarray, list[str], np.ndarray]:
    """Faker's US first/last-name frequency tables, normalised to probabilities.

    Drawing from the tables with numpy is ~50x faster than Faker's own weighted
    draw and equally realistic.
    """
    from faker.providers.person.en_US import Provider

    def table(weights_by_name: dict[str, float]) -> tuple[list[str], np.ndarray]:
        names = list(weights_by_name)
        weights = np.array([weights_by_name[name] for name in names], dtype=float)
        return names, weights / weights.sum()

    female, female_p = table(Provider.first_names_female)
    male, male_p = table(Provider.first_names_male)
    last, last_p = table(Provider.last_names)
    return female, female_p, male, male_p, last, last_p


@functools.cache
def _weights(kind: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Keys and normalised probabilities of one reference weight table."""
    if kind == "state":
        keys = tuple(STATE_POPULATION_THOUSANDS)
        weights = np.array([STATE_POPULATION_THOUSANDS[k] for k in keys], dtype=float)
    elif kind == "channel":
        keys = tuple(SIGNUP_CHANNEL_WEIGHTS)
        weights = np.array([SIGNUP_CHANNEL_WEIGHTS[k] for k in keys], dtype=float)
    elif kind == "employer":
        keys = tuple(str(i) for i in range(len(EMPLOYERS)))
        weights = np.array([e.weight for e in EMPLOYERS], dtype=float)
    else:
        raise ValueError(f"unknown weight table {kind!r}")
    return keys, weights / weights.sum()


@functools.cache
def _faker() -> Faker:
    """One Faker instance, re-seeded per client (created lazily: no import-time work)."""
    return Faker("en_US")


def _ascii_slug(text: str) -> str:
    """Lower-case ASCII letters only, for e-mail local parts."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.lower() if "a" <= ch <= "z")


def _choice(rng: np.random.Generator, kind: str) -> str:
    keys, probabilities = _weights(kind)
    return keys[int(rng.choice(len(keys), p=probabilities))]


def _filing_status(rng: np.random.Generator, age_years: int, dependents_count: int) -> str:
    # Marriage is likelier with age (ACS: ~35% at 25-34, ~60% at 45-64).
    married_p = float(np.clip(0.15 + (age_years - 24) * 0.018, 0.15, 0.65))
    draw = rng.random()
    if draw < married_p * 0.95:
        return "married_filing_jointly"
    if draw < married_p:
        return "married_filing_separately"
    if dependents_count > 0 and rng.random() < 0.7:
        return "head_of_household"
    return "single"


def generate_client(seed: int, number: int, calendar: WorldCalendar) -> ClientProfile:
    """Draw client `number` (1-based) of the world with `seed`."""
    rng = rng_for(seed, Stream.PROFILE, number)
    female, female_p, male, male_p, last, last_p = _name_tables()

    if rng.random() < 0.5:
        first_name = female[int(rng.choice(len(female), p=female_p))]
    else:
        first_name = male[int(rng.choice(len(male), p=male_p))]
    last_name = last[int(rng.choice(len(last), p=last_p))]

    # Ages 23-75, centred on the early forties (mass-affluent professionals).
    age_years = int(np.clip(round(rng.normal(42.0, 10.5)), 23, 75))
    birthday_offset_days = int(rng.integers(0, 365))
    date_of_birth = calendar.as_of.replace(year=calendar.as_of.year - age_years - 1, day=1)
    date_of_birth = date_of_birth + dt.timedelta(days=birthday_offset_days)
    age_years = (calendar.as_of - date_of_birth).days // 365

    dependents_count = int(rng.choice(4, p=[0.45, 0.2, 0.25, 0.1])) if age_years < 60 else 0
    filing_status = _filing_status(rng, age_years, dependents_count)

    state = _choice(rng, "state")
    zip_low, zip_high = STATE_ZIP_RANGES[state]
    postal_code = f"{int(rng.integers(zip_low, zip_high + 1)):05d}"

    employer: Employer | None = None
    if rng.random() >= NO_EMPLOYER_SHARE:
        employer = EMPLOYERS[int(_choice(rng, "employer"))]

    # Income peaks in the late forties; industry shifts the level.
    age_factor = 1.0 - 0.0009 * (age_years - 48) ** 2
    industry_factor = INDUSTRY_INCOME_FACTOR.get(employer.industry, 1.0) if employer else 0.9
    income = MEDIAN_INCOME_USD * max(age_factor, 0.45) * industry_factor
    income *= float(np.exp(rng.normal(0.0, INCOME_LOG_SIGMA)))
    annual_income_usd = round(float(np.clip(income, MIN_INCOME_USD, MAX_INCOME_USD)), -2)

    spouse_income_usd = 0.0
    if filing_status == "married_filing_jointly" and rng.random() < 0.7:
        spouse_income_usd = round(float(annual_income_usd * rng.uniform(0.3, 1.1)), -2)

    signup_channel = _choice(rng, "channel")
    if employer is None and signup_channel == "employer_benefit":
        signup_channel = "organic_search"

    ssn_area = int(rng.integers(1, 900))
    if ssn_area == 666:  # never issued
        ssn_area = 667
    ssn = f"{ssn_area:03d}-{int(rng.integers(1, 100)):02d}-{int(rng.integers(1, 10000)):04d}"
    # 555-0100..0199 is the range reserved for fiction: no real phone gets called.
    area_code = int(rng.integers(201, 990))
    phone = f"({area_code}) 555-01{int(rng.integers(0, 100)):02d}"
    email_suffix = "" if rng.random() < 0.5 else str(int(rng.integers(1, 100)))
    domain = EMAIL_DOMAINS[int(rng.integers(0, len(EMAIL_DOMAINS)))]
    email = f"{_ascii_slug(first_name)}.{_ascii_slug(last_name)}{email_suffix}@{domain}"

    # Sign-ups grow over time: more recent clients are more frequent (u ** 0.7).
    end_of_day = calendar.end_of_day_utc()
    signup_age_seconds = int((1.0 - rng.random() ** 0.7) * SIGNUP_SPAN_DAYS * 86_400)
    created_at = end_of_day - dt.timedelta(seconds=signup_age_seconds + 86_400)
    remaining_seconds = int((end_of_day - created_at).total_seconds())
    updated_at = created_at
    if rng.random() < 0.6:
        updated_at = created_at + dt.timedelta(seconds=int(rng.integers(60, remaining_seconds)))
    deleted_at = None
    if rng.random() < DELETED_CLIENT_SHARE:
        seconds_left = int((end_of_day - updated_at).total_seconds())
        deleted_at = updated_at + dt.timedelta(seconds=int(rng.integers(0, max(seconds_left, 1))))
        updated_at = deleted_at  # soft delete is an update of the row

    fake = _faker()
    fake.seed_instance(int_seed_for(seed, Stream.FAKER, number))
    street_address = fake.street_address()
    city = fake.city()

    return ClientProfile(
        number=number,
        client_id=client_id_for(number),
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        date_of_birth=date_of_birth,
        ssn=ssn,
        street_address=street_address,
        city=city,
        state=state,
        postal_code=postal_code,
        filing_status=filing_status,
        annual_income_usd=annual_income_usd,
        employer=employer,
        signup_channel=signup_channel,
        created_at=created_at,
        updated_at=updated_at,
        deleted_at=deleted_at,
        age_years=age_years,
        dependents_count=dependents_count,
        spouse_income_usd=spouse_income_usd,
    )
