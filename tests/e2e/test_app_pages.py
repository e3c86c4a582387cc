"""Every app page for every persona (Streamlit AppTest) on the sliced world, against its truth.

Users are created through the real `wdp users add`; what a concierge may see is
compared with the sandbox's application database (who is assigned to whom),
and the analysts' numbers with the sandbox truth files.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from streamlit.testing.v1 import AppTest

from analytics_app.auth.session import user_store
from analytics_app.auth.user_store import AppUser
from tests.e2e.conftest import SlicedWorld, feature_of, wdp
from warehouse_ddl import Warehouse

APP = Path(__file__).resolve().parents[2] / "analytics_app" / "streamlit_app.py"
USERS = (
    ("e2e_concierge", "concierge", "con_0001"),
    ("e2e_lead", "concierge_lead", None),
    ("e2e_product", "product", None),
    ("e2e_marketing", "marketing", None),
    ("e2e_engineer", "engineer", None),
)


@pytest.fixture(scope="module")
def app_users(sliced_world: SlicedWorld) -> Iterator[dict[str, AppUser]]:
    from orchestration.cli import app_environment

    with pytest.MonkeyPatch.context() as patch:
        for name, value in app_environment().items():
            patch.setenv(name, value)
        users = {}
        for user_name, persona, concierge_id in USERS:
            options = ["--concierge-id", concierge_id] if concierge_id else []
            added = wdp("users", "add", user_name, "--role", persona, *options)
            assert added.returncode == 0, added.stderr
            password = added.stdout.strip().rsplit(" ", 1)[-1]
            user = user_store().authenticate(user_name, password)
            assert user is not None and user.persona.value == persona
            users[persona] = user
        yield users


def _app(user: AppUser) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.session_state["app_user"] = user
    return app.run()


def _metric(app: AppTest, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def _active_truth_clients(world: SlicedWorld) -> list[dict[str, str]]:
    return [row for row in world.truth_clients() if row["is_deleted"] == "false"]


def _source_names(warehouse: Warehouse, concierge_id: str | None) -> dict[str, str]:
    """Active clients in the application database (name -> client_id), of one concierge."""
    with psycopg2.connect(warehouse.admin_url("app")) as connection, connection.cursor() as cursor:
        cursor.execute(
            "select c.first_name || ' ' || c.last_name, c.client_id from clients c "
            "where c.deleted_at is null and (%(concierge)s is null or exists ("
            "select 1 from concierge_assignments a where a.client_id = c.client_id "
            "and a.concierge_id = %(concierge)s and a.unassigned_at is null))",
            {"concierge": concierge_id},
        )
        return dict(cursor.fetchall())


def _latest_truth_net_worth(world: SlicedWorld) -> dict[str, str]:
    """client_id -> net_worth_usd on the last served day (truth/net_worth_daily.csv)."""
    latest: dict[str, tuple[str, str]] = {}
    with open(world.world_dir / "truth" / "net_worth_daily.csv", newline="") as truth:
        for row in csv.DictReader(truth):
            if row["client_id"] not in latest or row["date"] > latest[row["client_id"]][0]:
                latest[row["client_id"]] = (row["date"], row["net_worth_usd"])
    return {client_id: net_worth for client_id, (_, net_worth) in latest.items()}


def _audit_count(warehouse: Warehouse, user: AppUser, kind: str) -> int:
    with (
        psycopg2.connect(warehouse.admin_url("warehouse")) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "select count(*) from audit.concierge_access_log "
            "where accessed_by_role = %s and access_kind = %s",
            (user.login_role, kind),
        )
        return cursor.fetchone()[0]


def test_a_concierge_sees_exactly_their_assigned_clients(
    app_users: dict[str, AppUser], warehouse: Warehouse, sliced_world: SlicedWorld
) -> None:
    user = app_users["concierge"]
    expected = _source_names(warehouse, "con_0001")
    assert expected
    app = _app(user)
    assert app.title[0].value == "Clients"
    app.text_input(key="client_search").input("@").run()  # every e-mail address
    shown = {label.split(" · ")[0] for label in app.selectbox[0].options}
    assert shown == set(expected)
    snapshots_before = _audit_count(warehouse, user, "snapshot")
    truth_net_worth = _latest_truth_net_worth(sliced_world)
    name = min(name for name, client_id in expected.items() if client_id in truth_net_worth)
    app.text_input(key="client_search").input(name.split(" ")[-1].lower()).run()
    assert not app.exception
    assert name in {header.value for header in app.header}
    subheaders = {subheader.value for subheader in app.subheader}
    assert {"Tax documents", "Next appointment", "Record an action"} <= subheaders
    assert _audit_count(warehouse, user, "snapshot") == snapshots_before + 1
    net_worth_usd = float(truth_net_worth[expected[name]])
    assert _metric(app, "Net worth") == f"${net_worth_usd:,.0f}"


def test_a_lead_sees_every_active_client(
    app_users: dict[str, AppUser], warehouse: Warehouse
) -> None:
    app = _app(app_users["concierge_lead"])
    app.text_input(key="client_search").input("@").run()
    shown = {label.split(" · ")[0] for label in app.selectbox[0].options}
    assert shown == set(_source_names(warehouse, None))


def test_product_page_counts_the_truth(
    app_users: dict[str, AppUser], sliced_world: SlicedWorld
) -> None:
    app = _app(app_users["product"])
    assert not app.exception
    assert app.title[0].value == "Onboarding and usage"
    active = len(_active_truth_clients(sliced_world))
    assert _metric(app, "Clients") == f"{active:,}"
    funnel = app.dataframe[0].value
    assert int(funnel.iloc[0]["clients"]) == active
    assert list(funnel["clients"]) == sorted(funnel["clients"], reverse=True)
    assert len(app.get("vega_lite_chart")) >= 2
    app.switch_page("app_pages/clients_by_state.py").run()
    assert _metric(app, "Active clients") == f"{active:,}"


def _feature_usage_shown(app: AppTest) -> dict[str, int]:
    """Feature name -> events, from the page's feature usage table."""
    (table,) = [frame.value for frame in app.dataframe if "event_name" in frame.value.columns]
    return {str(row.event_name): int(row.events_count) for row in table.itertuples()}


def test_product_page_feature_usage_counts_the_event_files(
    app_users: dict[str, AppUser], sliced_world: SlicedWorld
) -> None:
    """Events per feature name: all cohorts, one cohort, then a shorter date range."""
    cohort_of = {
        row["client_id"]: row["created_at"][:7] + "-01"
        for row in _active_truth_clients(sliced_world)
    }
    uses = [
        (feature[1], event.user_id, event.timestamp[:10])
        for event in sliced_world.events()
        if (feature := feature_of(event)) is not None and event.user_id in cohort_of
    ]
    assert uses

    def expected(cohort: str | None = None, since: str = "") -> dict[str, int]:
        return dict(
            Counter(
                name
                for name, client, day in uses
                if (cohort is None or cohort_of[client] == cohort) and day >= since
            )
        )

    app = _app(app_users["product"])
    assert not app.exception
    assert "Feature usage" in {subheader.value for subheader in app.subheader}
    assert _feature_usage_shown(app) == expected()

    cohort = Counter(cohort_of[client] for _, client, _ in uses).most_common(1)[0][0]
    app.sidebar.selectbox[0].select(dt.date.fromisoformat(cohort)).run()
    assert not app.exception
    assert _feature_usage_shown(app) == expected(cohort)

    last_day = dt.date.fromisoformat(max(day for _, _, day in uses))
    since = last_day - dt.timedelta(days=60)
    app.sidebar.selectbox[0].select(None)
    app.sidebar.date_input[0].set_value((since, last_day)).run()
    assert not app.exception
    assert _feature_usage_shown(app) == expected(since=since.isoformat())


def test_marketing_segments_count_the_truth_and_export_keys(
    app_users: dict[str, AppUser], sliced_world: SlicedWorld
) -> None:
    app = _app(app_users["marketing"])
    assert not app.exception
    active = _active_truth_clients(sliced_world)
    assert _metric(app, "Clients in segment") == f"{len(active):,}"
    state, expected = Counter(row["state"] for row in active).most_common(1)[0]
    app.multiselect[1].select(state).run()
    assert _metric(app, "Clients in segment") == f"{expected:,}"
    assert len(app.get("download_button")) == 1
    channels = app.dataframe[0].value
    assert int(channels["clients"].sum()) == len(active)


def test_data_health_shows_the_runs_and_quarantine(
    app_users: dict[str, AppUser], warehouse: Warehouse
) -> None:
    app = _app(app_users["engineer"])
    assert not app.exception
    with (
        psycopg2.connect(warehouse.admin_url("warehouse")) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "select (select count(*) from quarantine.rejected_records)"
            " + (select count(*) from raw_documents.files where status = 'quarantined')"
        )
        quarantined = cursor.fetchone()[0]
        cursor.execute("select least(count(*), 100) from audit.load_runs")
        runs = cursor.fetchone()[0]
    assert runs > 0
    assert _metric(app, "Loads (last 100)") == f"{runs:,}"
    assert _metric(app, "Quarantined") == f"{quarantined:,}"


@pytest.mark.parametrize("persona", ["product", "marketing", "engineer"])
def test_analysts_and_engineers_get_no_concierge_page(
    app_users: dict[str, AppUser], persona: str
) -> None:
    app = _app(app_users[persona])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("app_pages/concierge_clients.py")
