"""The advice side of the app: advisors, concierges, assignments, appointments, goals,
manually entered assets, Plaid items and document uploads, as app-database rows.

Every row carries `created_at`/`updated_at` (and `deleted_at` where the product
soft-deletes), all at or before as-of 23:59:59 UTC, so incremental replication by
`updated_at` watermark can be tested against it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from sandbox.clock import WorldCalendar, format_timestamp
from sandbox.finances import ClientFinances
from sandbox.households import ClientProfile, _name_tables
from sandbox.reference import STATE_POPULATION_THOUSANDS
from sandbox.seeding import Stream, rng_for
from sandbox.truth import format_usd

ADVISOR_TYPES = ("tax", "financial", "legal")
ADVISOR_TYPE_WEIGHTS = (0.35, 0.5, 0.15)
APPOINTMENT_TYPE_BY_ADVISOR = {
    "tax": ("tax_review", "equity_review"),
    "financial": ("financial_plan", "equity_review", "retirement_review"),
    "legal": ("estate_planning",),
}
GOAL_TYPES = (
    "retirement",
    "home_purchase",
    "emergency_fund",
    "college_savings",
    "pay_off_debt",
    "tax_optimization",
)


@dataclass(frozen=True)
class Staff:
    """Advisors and concierges of the firm (shared by all clients)."""

    advisors: list[tuple[object, ...]]
    advisor_types: list[str]
    advisor_states: list[frozenset[str]]
    concierges: list[tuple[object, ...]]


def _person_name(rng: np.random.Generator) -> tuple[str, str]:
    female, female_p, male, male_p, last, last_p = _name_tables()
    names, weights = (female, female_p) if rng.random() < 0.5 else (male, male_p)
    return names[int(rng.choice(len(names), p=weights))], last[int(rng.choice(len(last), p=last_p))]


def generate_staff(seed: int, clients: int, calendar: WorldCalendar) -> Staff:
    """One advisor per 150 clients (at least 6), one concierge per 400 (at least 3)."""
    states = sorted(STATE_POPULATION_THOUSANDS)
    state_p = np.array([STATE_POPULATION_THOUSANDS[s] for s in states], dtype=float)
    state_p /= state_p.sum()
    hired_span = 4 * 365 * 86_400
    start = calendar.end_of_day_utc()
    advisors, types, licensed = [], [], []
    for number in range(1, max(6, math.ceil(clients / 150)) + 1):
        rng = rng_for(seed, Stream.STAFF, number)
        first, last = _person_name(rng)
        advisor_type = ADVISOR_TYPES[int(rng.choice(3, p=ADVISOR_TYPE_WEIGHTS))]
        # Advisors are licensed in a handful of states; the first ones cover the big states.
        count = int(rng.integers(2, 9))
        chosen = rng.choice(len(states), size=count, replace=False, p=state_p)
        state_set = frozenset(states[i] for i in chosen.tolist())
        created = start - dt.timedelta(seconds=int(rng.integers(86_400 * 400, hired_span)))
        updated = created + dt.timedelta(seconds=int(rng.integers(0, 86_400 * 300)))
        deleted = updated if rng.random() < 0.03 else None
        advisors.append(
            (
                f"adv_{number:04d}",
                first,
                last,
                advisor_type,
                "{" + ",".join(sorted(state_set)) + "}",
                int(rng.integers(20, 81)),
                deleted is None,
                format_timestamp(created),
                format_timestamp(updated),
                format_timestamp(deleted) if deleted else None,
            )
        )
        types.append(advisor_type)
        licensed.append(state_set)
    concierges = []
    for number in range(1, max(3, math.ceil(clients / 400)) + 1):
        rng = rng_for(seed, Stream.STAFF, 100_000 + number)
        first, last = _person_name(rng)
        created = start - dt.timedelta(seconds=int(rng.integers(86_400 * 400, hired_span)))
        concierges.append(
            (
                f"con_{number:04d}",
                first,
                last,
                f"{first.lower()}.{last.lower()}@concierge.example",
                format_timestamp(created),
                format_timestamp(created),
                None,
            )
        )
    return Staff(advisors, types, licensed, concierges)


@dataclass
class AdviceRows:
    """App-database rows of one client, per table."""

    assignments: list[tuple[object, ...]]
    appointments: list[tuple[object, ...]]
    goals: list[tuple[object, ...]]
    manual_assets: list[tuple[object, ...]]
    plaid_items: list[tuple[object, ...]]
    document_uploads: list[tuple[object, ...]]
    # Value of manually entered assets (other_assets_usd of the balance sheet), cents.
    other_assets_cents: int


def _between(rng: np.random.Generator, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    seconds = max(int((end - start).total_seconds()), 1)
    return start + dt.timedelta(seconds=int(rng.integers(0, seconds)))


def generate_advice(
    profile: ClientProfile,
    finances: ClientFinances,
    staff: Staff,
    calendar: WorldCalendar,
    seed: int,
    uploaded_documents: list[tuple[str, int]],
) -> AdviceRows:
    """Rows of every advice table for one client (`uploaded_documents`: (type, tax year))."""
    rng = rng_for(seed, Stream.ADVICE, profile.number)
    cid = profile.client_id
    signup = profile.created_at
    end = profile.deleted_at or calendar.end_of_day_utc()
    deleted = format_timestamp(profile.deleted_at) if profile.deleted_at else None

    assignments = []
    concierge = staff.concierges[(profile.number - 1) % len(staff.concierges)][0]
    assigned_at = _between(rng, signup, min(signup + dt.timedelta(days=3), end))
    if rng.random() < 0.1 and len(staff.concierges) > 1:
        # Reassigned once: the first assignment ended, a new one began.
        previous = staff.concierges[profile.number % len(staff.concierges)][0]
        switched = _between(rng, assigned_at, end)
        assignments.append(
            (
                f"asg_{profile.number:06d}_1",
                cid,
                previous,
                format_timestamp(assigned_at),
                format_timestamp(switched),
                format_timestamp(switched),
            )
        )
        assigned_at = switched
    unassigned = deleted
    assignments.append(
        (
            f"asg_{profile.number:06d}_{len(assignments) + 1}",
            cid,
            concierge,
            format_timestamp(assigned_at),
            unassigned,
            unassigned or format_timestamp(assigned_at),
        )
    )

    appointments = []
    for number in range(int(rng.choice(5, p=[0.3, 0.3, 0.2, 0.12, 0.08]))):
        wanted_type = ADVISOR_TYPES[int(rng.choice(3, p=ADVISOR_TYPE_WEIGHTS))]
        candidates = (
            [
                i
                for i, (t, states) in enumerate(
                    zip(staff.advisor_types, staff.advisor_states, strict=True)
                )
                if t == wanted_type and profile.state in states
            ]
            or [i for i, t in enumerate(staff.advisor_types) if t == wanted_type]
            or [0]
        )
        advisor = staff.advisors[candidates[int(rng.integers(0, len(candidates)))]]
        booked_at = _between(rng, signup, end)
        scheduled_for = booked_at + dt.timedelta(
            days=int(rng.integers(2, 21)), hours=int(rng.integers(0, 8))
        )
        scheduled_for = scheduled_for.replace(minute=0 if rng.random() < 0.5 else 30, second=0)
        if scheduled_for > calendar.end_of_day_utc():
            status, updated = "scheduled", booked_at
        else:
            status = str(rng.choice(["completed", "cancelled", "no_show"], p=[0.8, 0.13, 0.07]))
            updated = min(scheduled_for + dt.timedelta(hours=2), calendar.end_of_day_utc())
        kinds = APPOINTMENT_TYPE_BY_ADVISOR[wanted_type]
        appointment_type = kinds[int(rng.integers(0, len(kinds)))]
        appointments.append(
            (
                f"apt_{profile.number:06d}_{number + 1}",
                cid,
                advisor[0],
                concierge,
                appointment_type,
                status,
                format_timestamp(scheduled_for),
                45,
                format_timestamp(booked_at),
                format_timestamp(updated),
                None,
            )
        )

    goals = []
    for number in range(int(rng.integers(0, 4))):
        goal_type = GOAL_TYPES[int(rng.integers(0, len(GOAL_TYPES)))]
        created = _between(rng, signup, end)
        target_date = calendar.as_of + dt.timedelta(days=int(rng.integers(180, 365 * 25)))
        target = round(float(rng.lognormal(np.log(80_000), 1.0)), -2)
        status = str(rng.choice(["active", "achieved", "abandoned"], p=[0.8, 0.1, 0.1]))
        updated = _between(rng, created, end) if status != "active" else created
        goals.append(
            (
                f"goal_{profile.number:06d}_{number + 1}",
                cid,
                goal_type,
                format_usd(target),
                target_date.isoformat(),
                status,
                format_timestamp(created),
                format_timestamp(updated),
                deleted,
            )
        )

    manual_assets = []
    other_assets = 0
    for account in finances.accounts:
        if account.kind not in {"mortgage", "auto_loan"} or not account.liability:
            continue
        principal = int(account.liability["origination_principal_cents"])  # type: ignore[call-overload]
        if account.kind == "mortgage":
            value = round(principal / 0.8 * float(rng.uniform(1.0, 1.6)) / 100_000) * 100_000
            asset_type, description = "real_estate", "Primary residence"
        else:
            value = round(principal * float(rng.uniform(0.5, 0.8)) / 10_000) * 10_000
            asset_type, description = "vehicle", "Car"
        created = _between(rng, signup, end)
        manual_assets.append(
            (
                f"ast_{profile.number:06d}_{len(manual_assets) + 1}",
                cid,
                asset_type,
                description,
                f"{value // 100}.{value % 100:02d}",
                format_timestamp(created),
                format_timestamp(created),
                deleted,
            )
        )
        if profile.deleted_at is None:
            other_assets += value

    plaid_items = [
        (
            item.item_id,
            cid,
            item.institution.institution_id,
            item.institution.name,
            item.access_token,
            ",".join(item.products),
            format_timestamp(item.linked_at),
            deleted or format_timestamp(item.linked_at),
            deleted,
        )
        for item in finances.items
    ]

    uploads = []
    upload_start = max(signup, dt.datetime(calendar.as_of.year, 1, 31, tzinfo=dt.UTC))
    for number, (document_type, tax_year) in enumerate(uploaded_documents):
        if upload_start >= end:
            break
        uploaded = _between(rng, upload_start, end)
        # Equity platforms export CSV; tax forms come as PDF (60%) or CSV.
        is_pdf = rng.random() < 0.6 and document_type != "equity_grant_export"
        file_name = f"{cid}_{document_type}_{tax_year}.{'pdf' if is_pdf else 'csv'}"
        uploads.append(
            (
                f"upl_{profile.number:06d}_{number + 1}",
                cid,
                document_type,
                tax_year,
                file_name,
                format_timestamp(uploaded),
                format_timestamp(uploaded),
                deleted,
            )
        )
    return AdviceRows(
        assignments, appointments, goals, manual_assets, plaid_items, uploads, other_assets
    )
