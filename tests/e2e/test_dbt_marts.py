"""The growth marts (funnel, retention, segments, daily activity), snapshots and seeds end to end.

Each expectation is recomputed here from what the sandbox produced, independently
of the SQL: its truth files, its event files and its app database. Never from
numbers copied from a run.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import psycopg2
import pytest

from tests.e2e.conftest import Event, SlicedWorld, feature_of
from warehouse_ddl import Warehouse

GROWTH_MARTS = (
    "dim_client_segments",
    "fct_client_daily_activity",
    "fct_client_onboarding",
    "fct_cohort_retention",
    "fct_onboarding_funnel",
    "fct_feature_usage_daily",
)
DIRECT_IDENTIFIER_COLUMNS = {
    "client_id",
    "user_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "ssn",
    "date_of_birth",
    "street_address",
    "postal_code",
    "file_name",
    "access_token",
    "description",
}


def _rows(url: str, query: str, parameters: Iterable[object] = ()) -> list[tuple]:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(query, tuple(parameters))
        return cursor.fetchall()


def _month(moment: str) -> str:
    """`YYYY-MM-01` of an ISO timestamp or date (UTC)."""
    return moment[:7] + "-01"


def _months_between(first: str, last: str) -> int:
    return 12 * (int(last[:4]) - int(first[:4])) + int(last[5:7]) - int(first[5:7])


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def events(sliced_world: SlicedWorld) -> list[Event]:
    """Every event of the world's files, each messageId once (re-deliveries dropped)."""
    seen = sliced_world.events()
    assert seen, "the world has no events"
    return seen


@pytest.fixture(scope="module")
def key_of(sliced_world: SlicedWorld, warehouse: Warehouse) -> dict[str, str]:
    """Source client id -> client_key, as the loader computed it (raw, read as the owner)."""
    assert sliced_world.first_run.returncode == 0, sliced_world.first_run.stderr[-3000:]
    return dict(
        _rows(warehouse.admin_url("warehouse"), "select client_id, client_key from raw_app.clients")
    )


@pytest.fixture(scope="module")
def app_url(warehouse: Warehouse) -> str:
    """The sandbox's application database (the replication's source)."""
    return warehouse.admin_url("app")


@pytest.fixture(scope="module")
def active_clients(sliced_world: SlicedWorld) -> dict[str, dict[str, str]]:
    return {
        row["client_id"]: row
        for row in sliced_world.truth_clients()
        if row["is_deleted"] == "false"
    }


def _analyst(warehouse: Warehouse, query: str) -> list[tuple]:
    return _rows(warehouse.role_url("wdp_analyst"), query)


def _first_times(rows: Iterable[tuple[str, object]]) -> dict[str, str]:
    """Earliest ISO UTC timestamp per client id."""
    first: dict[str, str] = {}
    for client_id, moment in rows:
        text = (
            moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
            if isinstance(moment, dt.datetime)
            else str(moment)[:19]
        )
        if client_id not in first or text < first[client_id]:
            first[client_id] = text
    return first


def test_funnel_sign_ups_per_month_match_the_truth(
    sliced_world: SlicedWorld, warehouse: Warehouse, active_clients: dict[str, dict[str, str]]
) -> None:
    expected = Counter(_month(row["created_at"]) for row in active_clients.values())
    rows = _analyst(
        warehouse,
        "select cohort_start_date::text, signed_up_clients from marts.fct_onboarding_funnel "
        "where cohort_period = 'month'",
    )
    assert dict(rows) == dict(expected)
    (weekly_total,) = _analyst(
        warehouse,
        "select sum(signed_up_clients) from marts.fct_onboarding_funnel "
        "where cohort_period = 'week'",
    )
    assert weekly_total == (len(active_clients),)


def test_funnel_steps_per_month_match_the_app_and_events(
    sliced_world: SlicedWorld,
    warehouse: Warehouse,
    app_url: str,
    active_clients: dict[str, dict[str, str]],
    events: list[Event],
) -> None:
    """Each step: the client's app rows or product events; nested in the funnel's order."""
    step_events = defaultdict(set)
    for event in events:
        if event.type == "track" and event.user_id:
            step_events[event.event].add(event.user_id)
    items = {
        row["client_id"] for row in _read_csv(sliced_world.world_dir / "truth" / "plaid_items.csv")
    }
    uploads = {client for (client,) in _rows(app_url, "select client_id from document_uploads")}
    booked = {client for (client,) in _rows(app_url, "select client_id from appointments")}
    linked = items | step_events["Account Linked"]
    uploaded = uploads | step_events["Document Uploaded"]
    booked |= step_events["Appointment Booked"]

    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for client_id, row in active_clients.items():
        counts = expected[_month(row["created_at"])]
        counts[0] += 1
        if client_id in linked:
            counts[1] += 1
            if client_id in uploaded:
                counts[2] += 1
                if client_id in booked:
                    counts[3] += 1
    rows = _analyst(
        warehouse,
        "select cohort_start_date::text, signed_up_clients, linked_account_clients, "
        "uploaded_document_clients, booked_appointment_clients "
        "from marts.fct_onboarding_funnel where cohort_period = 'month'",
    )
    assert {month: list(counts) for month, *counts in rows} == dict(expected)


def test_client_onboarding_times_are_the_first_app_row_or_event(
    sliced_world: SlicedWorld,
    warehouse: Warehouse,
    app_url: str,
    key_of: dict[str, str],
    active_clients: dict[str, dict[str, str]],
    events: list[Event],
) -> None:
    linked = _first_times(
        _rows(app_url, "select client_id, created_at from plaid_items")
        + [
            (event.user_id, event.timestamp)
            for event in events
            if event.event == "Account Linked" and event.user_id
        ]
    )
    expected = {key_of[client]: linked.get(client) for client in active_clients}
    rows = _analyst(
        warehouse,
        "select client_key, to_char(account_linked_at at time zone 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS') from marts.fct_client_onboarding",
    )
    assert dict(rows) == expected


def test_cohort_retention_matches_the_event_files(
    warehouse: Warehouse,
    active_clients: dict[str, dict[str, str]],
    events: list[Event],
) -> None:
    active_months: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.user_id:
            active_months[event.user_id].add(_month(event.timestamp))
    as_of_month = max(month for months in active_months.values() for month in months)
    cohorts: dict[str, list[str]] = defaultdict(list)
    for client_id, row in active_clients.items():
        cohorts[_month(row["created_at"])].append(client_id)
    expected = {}
    for cohort, members in cohorts.items():
        for months_since in range(_months_between(cohort, as_of_month) + 1):
            year, month = divmod(int(cohort[5:7]) - 1 + months_since, 12)
            activity_month = f"{int(cohort[:4]) + year:04d}-{month + 1:02d}-01"
            active = sum(activity_month in active_months[client] for client in members)
            expected[(cohort, months_since)] = (len(members), active)
    rows = _analyst(
        warehouse,
        "select signup_cohort_month::text, months_since_signup, cohort_clients, active_clients, "
        "retention_pct from marts.fct_cohort_retention",
    )
    assert {(cohort, since): (size, active) for cohort, since, size, active, _ in rows} == expected
    for _, _, size, active, retention_pct in rows:
        assert float(retention_pct) == pytest.approx(100 * active / size, abs=0.005)


def test_daily_activity_counts_each_event_once_on_its_own_day(
    warehouse: Warehouse, key_of: dict[str, str], events: list[Event]
) -> None:
    """Late and re-delivered events included: one count per messageId on its UTC day."""
    expected = Counter(
        (key_of[event.user_id], event.timestamp[:10]) for event in events if event.user_id
    )
    rows = _analyst(
        warehouse,
        "select client_key, activity_date::text, events_count from marts.fct_client_daily_activity",
    )
    assert {(key, day): count for key, day, count in rows} == dict(expected)


def test_feature_usage_counts_each_event_by_name_day_and_cohort(
    warehouse: Warehouse,
    key_of: dict[str, str],
    active_clients: dict[str, dict[str, str]],
    events: list[Event],
) -> None:
    """Active clients' actions and page views, once per messageId, on their UTC day."""
    expected_events: Counter[tuple[str, str, str, str]] = Counter()
    expected_clients: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for event in events:
        feature = feature_of(event)
        if feature is None or event.user_id not in active_clients:
            continue
        cohort = _month(active_clients[event.user_id]["created_at"])
        row = (event.timestamp[:10], *feature, cohort)
        expected_events[row] += 1
        expected_clients[row].add(key_of[event.user_id])
    assert {"track", "page"} <= {event_type for _, event_type, _, _ in expected_events}
    rows = _analyst(
        warehouse,
        "select usage_date::text, event_type, event_name, signup_cohort_month::text, "
        "events_count, clients_count from marts.fct_feature_usage_daily",
    )
    assert {tuple(row[:4]): row[4] for row in rows} == dict(expected_events)
    assert {tuple(row[:4]): row[5] for row in rows} == {
        row: len(clients) for row, clients in expected_clients.items()
    }


def test_identity_stitching_maps_devices_to_the_client_who_identified(
    warehouse: Warehouse, key_of: dict[str, str], events: list[Event]
) -> None:
    first_identified: dict[str, tuple[str, str]] = {}
    for event in events:
        if event.user_id and event.anonymous_id:
            known = first_identified.get(event.anonymous_id)
            if known is None or event.timestamp < known[0]:
                first_identified[event.anonymous_id] = (event.timestamp, event.user_id)
    expected = {anonymous: key_of[client] for anonymous, (_, client) in first_identified.items()}
    rows = _rows(
        warehouse.role_url("wdp_engineer"),
        "select anonymous_id, client_key from intermediate.int_anonymous_ids__stitched "
        "where client_key is not null",
    )
    assert dict(rows) == expected
    (stitched,) = _rows(
        warehouse.role_url("wdp_engineer"),
        "select count(*) from intermediate.int_events__stitched where is_stitched",
    )
    anonymous_before_sign_up = sum(
        1 for event in events if not event.user_id and event.anonymous_id in expected
    )
    assert stitched == (anonymous_before_sign_up,)


@pytest.mark.parametrize(
    ("column", "table"),
    [
        ("goals_count", "goals"),
        ("appointments_count", "appointments"),
        ("linked_items_count", "plaid_items"),
        ("document_uploads_count", "document_uploads"),
    ],
)
def test_segment_counts_equal_the_app_database(
    warehouse: Warehouse,
    app_url: str,
    key_of: dict[str, str],
    active_clients: dict[str, dict[str, str]],
    column: str,
    table: str,
) -> None:
    in_app = Counter(
        client_id
        for (client_id,) in _rows(
            app_url,
            f"select client_id from {table} where deleted_at is null",
        )
    )
    expected = {key_of[client]: in_app[client] for client in active_clients}
    rows = _analyst(warehouse, f"select client_key, {column} from marts.dim_client_segments")
    assert dict(rows) == expected


def test_segments_carry_the_truth_attributes(
    warehouse: Warehouse, key_of: dict[str, str], active_clients: dict[str, dict[str, str]]
) -> None:
    expected = {
        key_of[client]: (row["state"], row["signup_channel"], row["filing_status"])
        for client, row in active_clients.items()
    }
    rows = _analyst(
        warehouse,
        "select client_key, state_code, signup_channel, filing_status "
        "from marts.dim_client_segments",
    )
    assert {key: tuple(values) for key, *values in rows} == expected


def test_analyst_can_read_every_mart(warehouse: Warehouse, key_of: dict[str, str]) -> None:
    """Every table in marts is readable as wdp_analyst (default privileges of the DDL)."""
    marts = [
        name
        for (name,) in _rows(
            warehouse.admin_url("warehouse"),
            "select tablename from pg_tables where schemaname = 'marts'",
        )
    ]
    assert set(GROWTH_MARTS) | {"dim_clients"} <= set(marts)
    counts = {
        mart: _analyst(warehouse, f"select count(*) from marts.{mart}")[0][0] for mart in marts
    }
    assert all(counts[mart] > 0 for mart in GROWTH_MARTS), counts


def test_no_direct_identifier_in_any_mart(
    sliced_world: SlicedWorld, warehouse: Warehouse, app_url: str
) -> None:
    """No identifying column, and no value of the app's people anywhere in the marts."""
    people = _rows(
        app_url,
        "select client_id, first_name, last_name, email, phone, ssn, street_address from clients",
    )
    staff = _rows(
        app_url,
        "select advisor_id, first_name, last_name, null from advisors "
        "union all select concierge_id, first_name, last_name, email from concierges",
    )
    exact = {value for row in people + staff for value in row[1:3] if value}
    contained = {value for row in people for value in (row[0], *row[3:]) if value}
    contained |= {f"{row[1]} {row[2]}" for row in people + staff}
    contained |= {row[3] for row in staff if row[3]}
    assert len(contained) > 3 * len(people)

    analyst_url = warehouse.role_url("wdp_analyst")
    columns = _rows(
        warehouse.admin_url("warehouse"),
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts'",
    )
    for table, column in columns:
        assert column not in DIRECT_IDENTIFIER_COLUMNS, f"marts.{table}.{column}"
        assert not column.endswith("_encrypted"), f"marts.{table}.{column}"
    for table in {table for table, _ in columns}:
        for row in _rows(analyst_url, f"select * from marts.{table}"):
            cells = [
                item
                for cell in row
                for item in (cell if isinstance(cell, list) else [cell])
                if isinstance(item, str)
            ]
            for cell in cells:
                assert cell not in exact, f"a name in marts.{table}"
                assert not any(value in cell for value in contained), (
                    f"an identifier in marts.{table}"
                )


def test_snapshots_hold_the_current_profiles_and_goals(
    sliced_world: SlicedWorld, warehouse: Warehouse, app_url: str
) -> None:
    engineer_url = warehouse.role_url("wdp_engineer")
    (clients,) = _rows(
        engineer_url,
        "select count(*) from snapshots.snap_app__clients where dbt_valid_to is null",
    )
    assert clients == (len(sliced_world.truth_clients()),)
    (goals,) = _rows(
        engineer_url, "select count(*) from snapshots.snap_app__goals where dbt_valid_to is null"
    )
    assert goals == _rows(app_url, "select count(*) from goals")[0]
    columns = {
        column
        for (column,) in _rows(
            engineer_url,
            "select column_name from information_schema.columns "
            "where table_schema = 'snapshots' and table_name = 'snap_app__clients'",
        )
    }
    assert "client_key" in columns
    assert not columns & DIRECT_IDENTIFIER_COLUMNS
    assert not any(column.endswith("_encrypted") for column in columns)


def test_tax_year_seed_agrees_with_the_worlds_w2s(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    """W-2 box 3 is capped at the seed's wage base; box 12 D stays within the seed's limits."""
    parameters = {
        (year, name): float(value)
        for year, name, value, url in _rows(
            warehouse.role_url("wdp_engineer"),
            "select tax_year, parameter_name, parameter_value, source_url "
            "from intermediate.irs_tax_year_parameters",
        )
        if url.startswith(("https://www.irs.gov/", "https://www.ssa.gov/"))
    }
    w2s = _read_csv(sliced_world.world_dir / "truth" / "w2.csv")
    assert w2s
    for w2 in w2s:
        year = int(w2["tax_year"])
        wage_base = parameters[(year, "social_security_wage_base")]
        medicare_wages = float(w2["box5_medicare_wages_usd"])
        assert float(w2["box3_social_security_wages_usd"]) == pytest.approx(
            min(medicare_wages, wage_base), abs=0.005
        )
        most_deferral = parameters[(year, "elective_deferral_limit")] + max(
            parameters[(year, "elective_deferral_catch_up_50_plus")],
            parameters.get((year, "elective_deferral_catch_up_60_to_63"), 0.0),
        )
        assert float(w2["box12_code_d_usd"] or 0) <= most_deferral
