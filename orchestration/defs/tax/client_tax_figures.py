"""Read the tax profiles, run Tax-Calculator, replace `intermediate.client_tax_figures`.

A library for the Dagster asset (no Dagster imports): one connection as
`wdp_transformer`, one transaction for the replacement, so dbt never reads a
half-written table. The date of birth is decrypted in memory only to derive
ages (taxcalc needs the age at the end of the tax year; the retirement rule
the age on the as-of day); it is never written.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from psycopg2.extensions import connection as Connection
from psycopg2.extras import execute_values

from orchestration.defs.tax.tax_calculator import (
    TaxFigures,
    TaxProfile,
    compute_tax_figures,
    taxcalc_version,
)
from privacy import EnvelopeCipher

SQL_DIR = Path(__file__).parent / "sql"
DATE_OF_BIRTH_CONTEXT = "raw_app.clients.date_of_birth"
"""Encryption context of the date of birth (the column it was encrypted for)."""


def sql_text(name: str) -> str:
    return (SQL_DIR / name).read_text()


def age_in_years(date_of_birth: dt.date, on: dt.date) -> int:
    """Whole years from `date_of_birth` to `on` (a year counts on the birthday)."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - int(before_birthday)


@dataclass(frozen=True)
class ProfileRow:
    """One client's profile as read, with the ages derived from the date of birth."""

    profile: TaxProfile
    as_of_date: dt.date
    age_at_as_of_years: int | None
    iso_bargain_element_usd: float


def read_profiles(connection: Connection, cipher: EnvelopeCipher) -> list[ProfileRow]:
    with connection.cursor() as cursor:
        cursor.execute(sql_text("select_tax_profiles.sql"))
        rows = cursor.fetchall()
    profiles = []
    for (
        client_key,
        tax_year,
        as_of_date,
        filing_status,
        wages,
        interest,
        ordinary_dividends,
        qualified_dividends,
        short_term_gain,
        long_term_gain,
        iso_bargain_element,
        date_of_birth_token,
    ) in rows:
        birth = (
            dt.date.fromisoformat(cipher.decrypt(date_of_birth_token, DATE_OF_BIRTH_CONTEXT))
            if date_of_birth_token
            else None
        )
        year_end = dt.date(tax_year, 12, 31)
        profiles.append(
            ProfileRow(
                profile=TaxProfile(
                    client_key=client_key,
                    tax_year=tax_year,
                    filing_status=filing_status,
                    # Without a date of birth taxcalc is told 0 (no age-based deduction).
                    age_years=age_in_years(birth, year_end) if birth else 0,
                    wages_usd=float(wages),
                    taxable_interest_usd=float(interest),
                    ordinary_dividends_usd=float(ordinary_dividends),
                    qualified_dividends_usd=float(qualified_dividends),
                    short_term_gain_usd=float(short_term_gain),
                    long_term_gain_usd=float(long_term_gain),
                ),
                as_of_date=as_of_date,
                age_at_as_of_years=age_in_years(birth, as_of_date) if birth else None,
                iso_bargain_element_usd=float(iso_bargain_element),
            )
        )
    return profiles


def figure_rows(
    profiles: list[ProfileRow], figures: list[TaxFigures], computed_at: dt.datetime
) -> list[tuple[object, ...]]:
    """Rows of intermediate.client_tax_figures (column order of the insert)."""
    version = taxcalc_version()
    by_key = {(row.profile.client_key, row.profile.tax_year): row for row in profiles}
    rows = []
    for figure in figures:
        source = by_key[(figure.client_key, figure.tax_year)]
        rows.append(
            (
                figure.client_key,
                figure.tax_year,
                source.as_of_date,
                source.age_at_as_of_years,
                source.profile.age_years if source.age_at_as_of_years is not None else None,
                Decimal(str(figure.federal_income_tax_usd)),
                Decimal(str(figure.amt_usd)),
                Decimal(str(figure.marginal_ordinary_rate_pct)),
                Decimal(str(figure.marginal_long_term_gain_rate_pct)),
                Decimal(str(figure.amt_headroom_usd)),
                Decimal(str(min(source.iso_bargain_element_usd, figure.amt_headroom_usd))),
                Decimal(str(figure.bracket_22_top_usd)),
                Decimal(str(figure.taxcalc_standard_deduction_usd)),
                version,
                computed_at,
            )
        )
    return rows


def refresh_client_tax_figures(connection: Connection, cipher: EnvelopeCipher) -> int:
    """Recompute every client's figures and replace the table; returns the rows written."""
    profiles = read_profiles(connection, cipher)
    figures = compute_tax_figures([row.profile for row in profiles]) if profiles else []
    rows = figure_rows(profiles, figures, dt.datetime.now(dt.UTC))
    with connection.cursor() as cursor:
        cursor.execute(sql_text("create_client_tax_figures.sql"))
        cursor.execute(sql_text("delete_client_tax_figures.sql"))
        execute_values(cursor, sql_text("insert_client_tax_figures.sql"), rows, page_size=500)
    connection.commit()
    return len(rows)
