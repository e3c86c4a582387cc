"""`build_world`: generate the whole synthetic world and write it out.

Order of work: client profiles, then (per client) everything that hangs off them,
then the files, the truth and finally the app database. All randomness comes from
seeded per-client streams (`sandbox.seeding`); nothing reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox import app_db, truth
from sandbox.advice import Staff, generate_advice, generate_staff
from sandbox.clock import SNAPSHOT_DAYS, WorldCalendar, format_timestamp
from sandbox.documents import (
    BROKEN_SHARE,
    DOCUMENT_TRUTH_COLUMNS,
    DocumentFile,
    Person,
    client_documents,
)
from sandbox.equity import grant_value_cents, vested_shares
from sandbox.events import EventLog
from sandbox.finances import deferral_limit_usd, generate_finances
from sandbox.households import ClientProfile, generate_client
from sandbox.market import Market
from sandbox.opportunities import OPPORTUNITY_COLUMNS, find_opportunities
from sandbox.plaid_store import STORE_RELATIVE_PATH, PlaidStoreWriter
from sandbox.reference import ACCOUNT_KINDS
from sandbox.seeding import Stream, rng_for
from sandbox.tax_forms import (
    FORM_1099_B_COLUMNS,
    FORM_1099_DIV_COLUMNS,
    FORM_1099_INT_COLUMNS,
    W2_COLUMNS,
    form_1099_rows,
    make_w2,
    usd,
    w2_row,
)

# Version of the world's file layout; bumped when files or columns change meaning.
WORLD_FORMAT_VERSION = 1
MANIFEST_NAME = "world.json"
# Sub-folders the sandbox owns inside out_dir; they are replaced on every build so
# that a smaller world never leaves files of a bigger previous one behind.
OWNED_SUBDIRS: tuple[str, ...] = ("truth", "events", "plaid", "documents")
MAX_CLIENTS = 1_000_000

CLIENT_COLUMNS: tuple[str, ...] = (
    "client_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
    "ssn",
    "street_address",
    "city",
    "state",
    "postal_code",
    "filing_status",
    "annual_income_usd",
    "employer_name",
    "signup_channel",
    "created_at",
    "updated_at",
    "deleted_at",
)


APP_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": CLIENT_COLUMNS,
    "advisors": (
        "advisor_id",
        "first_name",
        "last_name",
        "advisor_type",
        "licensed_states",
        "capacity_clients",
        "is_accepting_clients",
        "created_at",
        "updated_at",
        "deleted_at",
    ),
    "concierges": (
        "concierge_id",
        "first_name",
        "last_name",
        "email",
        "created_at",
        "updated_at",
        "deleted_at",
    ),
    "concierge_assignments": (
        "assignment_id",
        "client_id",
        "concierge_id",
        "assigned_at",
        "unassigned_at",
        "updated_at",
    ),
    "appointments": (
        "appointment_id",
        "client_id",
        "advisor_id",
        "concierge_id",
        "appointment_type",
        "status",
        "scheduled_for",
        "duration_minutes",
        "created_at",
        "updated_at",
        "deleted_at",
    ),
    "goals": (
        "goal_id",
        "client_id",
        "goal_type",
        "target_amount_usd",
        "target_date",
        "status",
        "created_at",
        "updated_at",
        "deleted_at",
    ),
    "manual_assets": (
        "asset_id",
        "client_id",
        "asset_type",
        "description",
        "value_usd",
        "created_at",
        "updated_at",
        "deleted_at",
    ),
    "plaid_items": (
        "item_id",
        "client_id",
        "institution_id",
        "institution_name",
        "access_token",
        "products",
        "created_at",
        "updated_at",
        "deleted_at",
    ),
    "document_uploads": (
        "upload_id",
        "client_id",
        "document_type",
        "tax_year",
        "file_name",
        "uploaded_at",
        "updated_at",
        "deleted_at",
    ),
}
PER_CLIENT_APP_TABLES: tuple[str, ...] = (
    "concierge_assignments",
    "appointments",
    "goals",
    "manual_assets",
    "plaid_items",
    "document_uploads",
)

NET_WORTH_LINES: tuple[str, ...] = (
    "cash_usd",
    "taxable_investments_usd",
    "retirement_usd",
    "vested_equity_usd",
    "unvested_equity_usd",
    "other_assets_usd",
    "credit_card_usd",
    "student_loan_usd",
    "mortgage_usd",
    "other_debt_usd",
)
NET_WORTH_COLUMNS: tuple[str, ...] = ("client_id", "date", *NET_WORTH_LINES, "net_worth_usd")
ASSET_LINES = (
    "cash_usd",
    "taxable_investments_usd",
    "retirement_usd",
    "vested_equity_usd",
    "other_assets_usd",
)
DEBT_LINES = ("credit_card_usd", "student_loan_usd", "mortgage_usd", "other_debt_usd")
PLAID_ITEM_COLUMNS: tuple[str, ...] = (
    "item_id",
    "client_id",
    "institution_id",
    "institution_name",
    "access_token",
    "products",
    "is_deleted",
)
ACCOUNT_COLUMNS: tuple[str, ...] = (
    "account_id",
    "item_id",
    "client_id",
    "kind",
    "type",
    "subtype",
    "mask",
    "balance_sheet_line",
    "current_balance_usd",
)
GRANT_COLUMNS: tuple[str, ...] = (
    "grant_id",
    "client_id",
    "employer_name",
    "is_public_company",
    "ticker",
    "grant_type",
    "grant_date",
    "shares_granted",
    "strike_price_usd",
    "vesting_start_date",
    "vesting_months",
    "cliff_months",
    "vest_frequency_months",
    "expiration_date",
    "exercised_shares",
    "exercise_date",
    "vested_shares_as_of",
    "fmv_per_share_as_of_usd",
)
FMV_409A_COLUMNS: tuple[str, ...] = ("employer_name", "valuation_date", "fmv_per_share_usd")
DOCUMENT_UPLOAD_SHARES = {
    "w2": 0.7,
    "1099_b": 0.6,
    "1099_div": 0.6,
    "1099_int": 0.5,
    "equity_grant_export": 0.7,
}


@dataclass(frozen=True)
class WorldSummary:
    """What `build_world` produced: counts and where the files are."""

    out_dir: Path
    seed: int
    as_of: dt.date
    clients: int
    deleted_clients: int
    truth_dir: Path
    manifest_path: Path
    plaid_store_path: Path
    events_dir: Path
    items: int
    accounts: int
    bank_transactions: int
    investment_transactions: int
    events: int
    documents: int
    documents_dir: Path
    # Rows per truth file name (e.g. "clients.csv").
    truth_rows: dict[str, int] = field(default_factory=dict)
    # Rows per app-database table; empty when no app database was written.
    app_rows: dict[str, int] = field(default_factory=dict)


@dataclass
class _ClientBundle:
    """Everything one client contributes to the world's outputs (picklable)."""

    profile: ClientProfile
    finances: object
    net_worth_rows: list[tuple[object, ...]]
    opportunity_rows: list[tuple[str, ...]]
    app_rows: dict[str, list[tuple[object, ...]]]
    truth_rows: dict[str, list[tuple[object, ...]]]
    event_lines: list[tuple[str, str, str, str]]
    documents: list[DocumentFile]


# Shared, read-only state of the worker processes (set before forking).
_CONTEXT: dict[str, object] = {}


def _client_row(profile: ClientProfile) -> tuple[object, ...]:
    return (
        profile.client_id,
        profile.first_name,
        profile.last_name,
        profile.email,
        profile.phone,
        profile.date_of_birth.isoformat(),
        profile.ssn,
        profile.street_address,
        profile.city,
        profile.state,
        profile.postal_code,
        profile.filing_status,
        truth.format_usd(profile.annual_income_usd),
        profile.employer_name,
        profile.signup_channel,
        format_timestamp(profile.created_at),
        format_timestamp(profile.updated_at),
        format_timestamp(profile.deleted_at) if profile.deleted_at else None,
    )


def _simulate_client(number: int) -> _ClientBundle:
    seed = int(_CONTEXT["seed"])  # type: ignore[call-overload]
    calendar: WorldCalendar = _CONTEXT["calendar"]  # type: ignore[assignment]
    market: Market = _CONTEXT["market"]  # type: ignore[assignment]
    staff: Staff = _CONTEXT["staff"]  # type: ignore[assignment]
    events: EventLog = _CONTEXT["events"]  # type: ignore[assignment]
    profile = generate_client(seed, number, calendar)
    finances = generate_finances(profile, calendar, market, seed)
    is_active = profile.deleted_at is None
    w2 = make_w2(profile, finances)
    b_rows, div_rows, int_rows = form_1099_rows(profile, finances)

    rng = rng_for(seed, Stream.DOCUMENTS, number)
    available = {
        "w2": bool(w2),
        "1099_b": bool(b_rows),
        "1099_div": bool(div_rows),
        "1099_int": bool(int_rows),
        "equity_grant_export": bool(finances.grants),
    }
    uploads = [
        (document_type, finances.tax_year)
        for document_type, share in DOCUMENT_UPLOAD_SHARES.items()
        if rng.random() < share and available[document_type]
    ]
    advice = generate_advice(profile, finances, staff, calendar, seed, uploads)

    net_worth_rows = []
    opportunity_rows = []
    if is_active:
        for position, day in enumerate(calendar.snapshot_dates()):
            lines = dict.fromkeys(NET_WORTH_LINES, 0)
            for account in finances.accounts:
                lines[ACCOUNT_KINDS[account.kind].balance_sheet_line] += account.current_cents[
                    position
                ]
            for grant in finances.grants:
                vested, unvested = grant_value_cents(grant, day, market)
                lines["vested_equity_usd"] += vested
                lines["unvested_equity_usd"] += unvested
            lines["other_assets_usd"] = advice.other_assets_cents
            net_worth = sum(lines[k] for k in ASSET_LINES) - sum(lines[k] for k in DEBT_LINES)
            net_worth_rows.append(
                (
                    profile.client_id,
                    day.isoformat(),
                    *(usd(lines[k]) for k in NET_WORTH_LINES),
                    usd(net_worth),
                )
            )
        opportunity_rows = [
            opportunity.row()
            for opportunity in find_opportunities(
                profile,
                finances,
                w2,
                calendar,
                market,
                deferral_limit_usd(finances.tax_year, profile.age_years),
            )
        ]

    milestones: list[tuple[dt.datetime, str, dict[str, object]]] = [
        (
            item.linked_at,
            "Account Linked",
            {"institution_id": item.institution.institution_id, "products": list(item.products)},
        )
        for item in finances.items
    ]
    for row in advice.document_uploads:
        milestones.append(
            (
                dt.datetime.fromisoformat(str(row[5])),
                "Document Uploaded",
                {"document_type": row[2], "tax_year": row[3]},
            )
        )
    for row in advice.appointments:
        milestones.append(
            (
                dt.datetime.fromisoformat(str(row[8])),
                "Appointment Booked",
                {"appointment_type": row[4]},
            )
        )
    for row in advice.goals:
        milestones.append(
            (dt.datetime.fromisoformat(str(row[6])), "Goal Created", {"goal_type": row[2]})
        )
    event_lines = events.client_events(profile, seed, milestones)

    grant_rows = []
    for grant in finances.grants:
        fmv = (
            market.close_usd_cents(grant.ticker or "", calendar.as_of)
            if grant.is_public_company
            else market.fmv_409a_cents(grant.employer_name, calendar.as_of)
        )
        grant_rows.append(
            (
                grant.grant_id,
                grant.client_id,
                grant.employer_name,
                truth.format_bool(grant.is_public_company),
                grant.ticker,
                grant.grant_type,
                grant.grant_date.isoformat(),
                grant.shares_granted,
                usd(grant.strike_price_cents) if grant.strike_price_cents is not None else None,
                grant.vesting_start_date.isoformat(),
                48,
                12,
                grant.vest_frequency_months,
                grant.expiration_date.isoformat() if grant.expiration_date else None,
                grant.exercised_shares,
                grant.exercise_date.isoformat() if grant.exercise_date else None,
                vested_shares(grant, calendar.as_of),
                usd(fmv),
            )
        )
    truth_rows = {
        "plaid_items.csv": [
            (
                item.item_id,
                profile.client_id,
                item.institution.institution_id,
                item.institution.name,
                item.access_token,
                ",".join(item.products),
                truth.format_bool(not is_active),
            )
            for item in finances.items
        ],
        "accounts.csv": [
            (
                account.account_id,
                account.item_id,
                profile.client_id,
                account.kind,
                account.plaid_type,
                account.plaid_subtype,
                account.mask,
                account.balance_sheet_line,
                usd(account.current_cents[-1]),
            )
            for account in finances.accounts
        ],
        "w2.csv": [w2_row(w2)] if w2 else [],
        "form_1099_b.csv": b_rows,
        "form_1099_div.csv": div_rows,
        "form_1099_int.csv": int_rows,
        "equity_grants.csv": grant_rows,
    }

    def person_of(client: ClientProfile) -> Person:
        address = f"{client.street_address}, {client.city}, {client.state} {client.postal_code}"
        return Person(
            client.client_id, f"{client.first_name} {client.last_name}", client.ssn, address
        )

    def as_dicts(columns: tuple[str, ...], rows: list) -> list[dict[str, str]]:
        return [
            dict(zip(columns, (("" if v is None else str(v)) for v in row), strict=True))
            for row in rows
        ]

    forms = {
        "w2": as_dicts(W2_COLUMNS, truth_rows["w2.csv"]),
        "1099_b": as_dicts(FORM_1099_B_COLUMNS, b_rows),
        "1099_div": as_dicts(FORM_1099_DIV_COLUMNS, div_rows),
        "1099_int": as_dicts(FORM_1099_INT_COLUMNS, int_rows),
        "grants": as_dicts(GRANT_COLUMNS, grant_rows),
    }
    # Holders of a private-company grant upload, with their grant export and at the same
    # moment, their employer's 409A valuation history (derived, no random draw, so no
    # other file or client shifts; no separate Document Uploaded event either).
    private_employers = sorted(
        {grant.employer_name for grant in finances.grants if not grant.is_public_company}
    )
    fmv_409a_rows = [
        {
            "employer_name": employer,
            "valuation_date": day.isoformat(),
            "fmv_per_share_usd": usd(cents),
        }
        for employer in private_employers
        for day, cents in market.fmv_409a[employer]
        if day <= calendar.as_of
    ]
    document_uploads = list(advice.document_uploads)
    for row in advice.document_uploads:
        if row[2] == "equity_grant_export" and fmv_409a_rows:
            document_uploads.append(
                (
                    f"upl_{profile.number:06d}_{len(document_uploads) + 1}",
                    row[1],
                    "fmv_409a_history",
                    row[3],
                    f"{row[1]}_fmv_409a_history_{row[3]}.csv",
                    *row[5:],
                )
            )
    forms["fmv_409a"] = fmv_409a_rows
    documents = client_documents(
        document_uploads,
        person_of(profile),
        lambda: person_of(generate_client(seed, number + 1, calendar)),
        forms,
        rng_for(seed, Stream.DOCUMENTS, 10_000_000 + number),
        broken_share=float(_CONTEXT["broken_document_share"]),  # type: ignore[arg-type]
    )
    app_rows = {
        "concierge_assignments": advice.assignments,
        "appointments": advice.appointments,
        "goals": advice.goals,
        "manual_assets": advice.manual_assets,
        "plaid_items": advice.plaid_items,
        "document_uploads": document_uploads,
    }
    return _ClientBundle(
        profile,
        finances,
        net_worth_rows,
        opportunity_rows,
        app_rows,
        truth_rows,
        event_lines,
        documents,
    )


TRUTH_FILE_COLUMNS: dict[str, tuple[str, ...]] = {
    "plaid_items.csv": PLAID_ITEM_COLUMNS,
    "accounts.csv": ACCOUNT_COLUMNS,
    "w2.csv": W2_COLUMNS,
    "form_1099_b.csv": FORM_1099_B_COLUMNS,
    "form_1099_div.csv": FORM_1099_DIV_COLUMNS,
    "form_1099_int.csv": FORM_1099_INT_COLUMNS,
    "equity_grants.csv": GRANT_COLUMNS,
}


def _prepare_out_dir(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in OWNED_SUBDIRS:
        owned = out_dir / name
        if owned.is_dir():
            shutil.rmtree(owned)
    (out_dir / MANIFEST_NAME).unlink(missing_ok=True)


def _worker_count(clients: int) -> int:
    # Forked workers pay off only for big worlds; small ones (tests) stay in-process.
    if clients < 2_000 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def build_world(
    out_dir: Path,
    *,
    clients: int,
    seed: int = 42,
    as_of: dt.date,
    app_database_url: str | None,
    progress: Callable[[str], None] | None = None,
    broken_document_share: float = BROKEN_SHARE,
) -> WorldSummary:
    """Build the world of `clients` clients from `seed` as of `as_of` into `out_dir`.

    Writes `truth/`, `events/`, `plaid/`, `documents/` and the manifest `world.json`
    and, when `app_database_url` is given, recreates the sandbox tables of that
    (existing) database. `broken_document_share` is the share of landing-area
    documents broken on purpose. Same arguments give byte-identical files and
    identical database rows.
    """
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be between 1 and {MAX_CLIENTS}, got {clients}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if not 0.0 <= broken_document_share <= 1.0:
        raise ValueError(
            f"broken_document_share must be between 0 and 1, got {broken_document_share}"
        )
    report = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    calendar = WorldCalendar(as_of=as_of)
    _prepare_out_dir(out_dir)
    truth_dir = out_dir / "truth"
    events_dir = out_dir / "events"

    report(f"building {clients} clients (seed {seed}, as of {as_of.isoformat()})")
    market = Market(seed, as_of)
    staff = generate_staff(seed, clients, calendar)
    events = EventLog(calendar)
    _CONTEXT.update(
        seed=seed,
        calendar=calendar,
        market=market,
        staff=staff,
        events=events,
        broken_document_share=broken_document_share,
    )
    store = PlaidStoreWriter(out_dir, calendar, market, seed)

    profiles: list[ClientProfile] = []
    net_worth_rows: list[tuple[object, ...]] = []
    opportunity_rows: list[tuple[str, ...]] = []
    app_rows: dict[str, list[tuple[object, ...]]] = {t: [] for t in PER_CLIENT_APP_TABLES}
    truth_rows: dict[str, list[tuple[object, ...]]] = {name: [] for name in TRUTH_FILE_COLUMNS}
    counts = dict.fromkeys(("items", "accounts", "bank", "investment"), 0)
    landing_dir = out_dir / "documents" / "landing"
    landing_dir.mkdir(parents=True, exist_ok=True)
    document_rows: list[tuple[object, ...]] = []

    workers = _worker_count(clients)
    pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None
    try:
        bundles = (
            pool.imap(_simulate_client, range(1, clients + 1), chunksize=64)
            if pool
            else map(_simulate_client, range(1, clients + 1))
        )
        step = max(clients // 10, 1)
        for bundle in bundles:
            finances = bundle.finances
            profiles.append(bundle.profile)
            store.add_client(
                bundle.profile.client_id,
                finances,
                bundle.profile.deleted_at is not None,  # type: ignore[arg-type]
            )
            counts["items"] += len(finances.items)  # type: ignore[attr-defined]
            counts["accounts"] += len(finances.accounts)  # type: ignore[attr-defined]
            counts["bank"] += len(finances.bank_transactions)  # type: ignore[attr-defined]
            counts["investment"] += len(finances.investment_transactions)  # type: ignore[attr-defined]
            net_worth_rows.extend(bundle.net_worth_rows)
            opportunity_rows.extend(bundle.opportunity_rows)
            for table, rows in bundle.app_rows.items():
                app_rows[table].extend(rows)
            for name, rows in bundle.truth_rows.items():
                truth_rows[name].extend(rows)
            events.merge(bundle.event_lines)
            for document in bundle.documents:
                (landing_dir / document.file_name).write_bytes(document.content)
                document_rows.append(document.truth_row)
            if len(profiles) % step == 0:
                report(f"simulated {len(profiles)}/{clients} clients")
    finally:
        if pool:
            pool.close()
            pool.join()
        _CONTEXT.clear()
    store.close()
    report(f"wrote the Plaid store ({counts['items']} items, {counts['accounts']} accounts)")

    truth_counts = {
        "clients.csv": truth.write_csv(
            truth_dir / "clients.csv", truth.CLIENTS_COLUMNS, truth.client_truth_rows(profiles)
        ),
        "net_worth_daily.csv": truth.write_csv(
            truth_dir / "net_worth_daily.csv", NET_WORTH_COLUMNS, net_worth_rows
        ),
        "opportunities.csv": truth.write_csv(
            truth_dir / "opportunities.csv", OPPORTUNITY_COLUMNS, opportunity_rows
        ),
        "fmv_409a.csv": truth.write_csv(
            truth_dir / "fmv_409a.csv",
            FMV_409A_COLUMNS,
            [
                (employer, day.isoformat(), usd(cents))
                for employer, valuations in sorted(market.fmv_409a.items())
                for day, cents in valuations
            ],
        ),
    }
    truth_counts["documents.csv"] = truth.write_csv(
        truth_dir / "documents.csv", DOCUMENT_TRUTH_COLUMNS, document_rows
    )
    for name, columns in TRUTH_FILE_COLUMNS.items():
        truth_counts[name] = truth.write_csv(truth_dir / name, columns, truth_rows[name])
    report(f"wrote {len(truth_counts)} truth files to {truth_dir}")
    event_files = events.write(events_dir)
    report(f"wrote {events.count} events in {event_files} daily files to {events_dir}")

    loaded: dict[str, int] = {}
    if app_database_url:
        report("writing the app database")
        tables = [
            ("clients", CLIENT_COLUMNS, [_client_row(p) for p in profiles]),
            ("advisors", APP_TABLE_COLUMNS["advisors"], staff.advisors),
            ("concierges", APP_TABLE_COLUMNS["concierges"], staff.concierges),
        ] + [(table, APP_TABLE_COLUMNS[table], app_rows[table]) for table in PER_CLIENT_APP_TABLES]
        loaded = app_db.write_app_database(app_database_url, tables)
        report(f"app database: {', '.join(f'{t} {n}' for t, n in loaded.items())} rows")

    manifest_path = out_dir / MANIFEST_NAME
    manifest = {
        "format_version": WORLD_FORMAT_VERSION,
        "seed": seed,
        "clients": clients,
        "as_of": as_of.isoformat(),
        "history_start": calendar.history_start.isoformat(),
        "snapshot_start": calendar.snapshot_start.isoformat(),
        "snapshot_days": SNAPSHOT_DAYS,
        "plaid_store": STORE_RELATIVE_PATH.as_posix(),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
    report(f"world ready in {out_dir}")

    return WorldSummary(
        out_dir=out_dir,
        seed=seed,
        as_of=as_of,
        clients=clients,
        deleted_clients=sum(1 for p in profiles if p.deleted_at is not None),
        truth_dir=truth_dir,
        manifest_path=manifest_path,
        plaid_store_path=out_dir / STORE_RELATIVE_PATH,
        events_dir=events_dir,
        items=counts["items"],
        accounts=counts["accounts"],
        bank_transactions=counts["bank"],
        investment_transactions=counts["investment"],
        events=events.count,
        documents=len(document_rows),
        documents_dir=landing_dir,
        truth_rows=truth_counts,
        app_rows=loaded,
    )
