"""Pseudonymous aggregates for product, marketing and engineers (cached per login role)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics_app.auth.user_store import AppUser
from analytics_app.queries.connections import run_query


@dataclass(frozen=True)
class ProductFilters:
    start_date: dt.date
    end_date: dt.date
    cohort_month: dt.date | None = None

    def params(self) -> dict[str, object]:
        return {
            "start_date": self.start_date,
            "end_date": self.end_date,
            "cohort_month": self.cohort_month,
        }


def cohort_months(user: AppUser) -> list[dt.date]:
    return list(run_query(user, "product_cohort_months.sql")["cohort_month"])


def funnel(user: AppUser, filters: ProductFilters) -> pd.DataFrame:
    """One row per funnel step: `step`, `clients`, `conversion_from_previous_pct`."""
    totals = run_query(user, "product_funnel.sql", filters.params()).iloc[0]
    steps = [
        ("1. signed up", int(totals["signed_up_clients"])),
        ("2. linked an account", int(totals["linked_account_clients"])),
        ("3. uploaded a document", int(totals["uploaded_document_clients"])),
        ("4. booked an appointment", int(totals["booked_appointment_clients"])),
    ]
    rows = []
    for position, (step, clients) in enumerate(steps):
        previous = steps[position - 1][1] if position else None
        conversion = round(100.0 * clients / previous, 1) if previous else None
        rows.append({"step": step, "clients": clients, "conversion_from_previous_pct": conversion})
    return pd.DataFrame(rows)


def coverage(user: AppUser, filters: ProductFilters) -> pd.DataFrame:
    return run_query(user, "product_coverage.sql", filters.params())


def activity(user: AppUser, filters: ProductFilters) -> pd.DataFrame:
    return run_query(user, "product_activity.sql", filters.params())


def feature_usage_daily(user: AppUser, filters: ProductFilters) -> pd.DataFrame:
    """Per day and feature: `usage_date, event_type, event_name, events_count, clients_count`."""
    return run_query(user, "product_feature_usage.sql", filters.params())


def feature_usage_totals(daily: pd.DataFrame) -> pd.DataFrame:
    """One row per feature over the range: events, client-days and days used, most used first.

    Distinct clients do not add up over days (the same client on two days), so
    the range total is client-days: clients summed over the days.
    """
    if daily.empty:
        return pd.DataFrame(
            columns=["event_name", "event_type", "events_count", "client_days", "days_used"]
        )
    totals = (
        daily.groupby(["event_name", "event_type"], as_index=False)
        .agg(
            events_count=("events_count", "sum"),
            client_days=("clients_count", "sum"),
            days_used=("usage_date", "nunique"),
        )
        .astype({"events_count": "int64", "client_days": "int64", "days_used": "int64"})
    )
    return totals.sort_values(
        ["events_count", "event_name"], ascending=[False, True], ignore_index=True
    )


@dataclass(frozen=True)
class SegmentFilters:
    """A marketing segment: every empty choice means 'any'."""

    net_worth_bands: tuple[str, ...] = ()
    equity_heavy_only: bool = False
    opportunity_type: str | None = None
    states: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def params(self) -> dict[str, object]:
        return {
            "net_worth_bands": list(self.net_worth_bands),
            "equity_heavy_only": self.equity_heavy_only,
            "opportunity_type": self.opportunity_type,
            "states": list(self.states),
            "channels": list(self.channels),
        }


def segment_options(user: AppUser) -> pd.DataFrame:
    return run_query(user, "marketing_segment_options.sql")


def segment_size(user: AppUser, filters: SegmentFilters) -> int:
    return int(run_query(user, "marketing_segment_size.sql", filters.params()).iloc[0, 0])


def segment_members(user: AppUser, filters: SegmentFilters) -> pd.DataFrame:
    return run_query(user, "marketing_segment_members.sql", filters.params())


def cohort_retention(user: AppUser) -> pd.DataFrame:
    return run_query(user, "marketing_cohort_retention.sql")


def channel_performance(user: AppUser) -> pd.DataFrame:
    return run_query(user, "marketing_channel_performance.sql")


def load_runs(user: AppUser) -> pd.DataFrame:
    return run_query(user, "health_load_runs.sql")


def source_freshness(user: AppUser) -> pd.DataFrame:
    return run_query(user, "health_source_freshness.sql")


def quarantine_counts(user: AppUser) -> pd.DataFrame:
    return run_query(user, "health_quarantine_counts.sql")
