"""The concierge functions against the real warehouse: RLS, audit, privileges, injection."""

from __future__ import annotations

import json

import psycopg2
import pytest
from psycopg2 import errors

from tests.integration.analytics_app.conftest import CLIENTS, ConciergeWorld

INJECTION_STRINGS = [
    "'; drop table raw_app.clients; --",
    "%",
    "\\",
    "_",
    "Robert'); delete from audit.concierge_access_log; --",
    "ünïcødé 🙂 名前",
    "' or '1'='1",
]


def _search_keys(world: ConciergeWorld, user_name: str, text: str = "a") -> set[str]:
    with world.connect_as(user_name) as connection, connection.cursor() as cursor:
        cursor.execute("select client_key from concierge.search_clients(%s)", (text,))
        return {row[0] for row in cursor.fetchall()}


def _audit_rows(world: ConciergeWorld, user_name: str) -> list[tuple]:
    with world.admin() as connection, connection.cursor() as cursor:
        cursor.execute(
            "select access_kind, client_key, access_detail, was_allowed "
            "from audit.concierge_access_log where accessed_by_role = %s order by access_id",
            (f"wdp_user_{user_name}",),
        )
        return cursor.fetchall()


def _all_visible_client_keys(world: ConciergeWorld) -> set[str]:
    with world.admin() as connection, connection.cursor() as cursor:
        cursor.execute(
            "select client_key from raw_app.clients "
            "where deleted_at is null and _deleted_in_source_at is null"
        )
        return {row[0] for row in cursor.fetchall()}


def test_a_concierge_sees_only_currently_assigned_clients(concierge_world: ConciergeWorld) -> None:
    assert _search_keys(concierge_world, "it_con_a") == {"ck_it_1", "ck_it_2"}
    # ck_it_3 moved from concierge a to b: only b sees it now.
    assert _search_keys(concierge_world, "it_con_b") == {"ck_it_3", "ck_it_4"}


def test_a_lead_sees_every_client(concierge_world: ConciergeWorld) -> None:
    seen = _search_keys(concierge_world, "it_lead")
    assert set(CLIENTS) <= seen
    assert seen == _all_visible_client_keys(concierge_world)


def test_snapshot_of_an_assigned_client_is_returned_and_audited(
    concierge_world: ConciergeWorld,
) -> None:
    before = len(_audit_rows(concierge_world, "it_con_a"))
    with concierge_world.connect_as("it_con_a") as connection, connection.cursor() as cursor:
        cursor.execute("select concierge.client_snapshot(%s)", ("ck_it_1",))
        snapshot = cursor.fetchone()[0]
    assert snapshot["profile"]["client_key"] == "ck_it_1"
    first_name = concierge_world.cipher.decrypt(
        snapshot["profile"]["first_name_encrypted"], "raw_app.clients.first_name"
    )
    assert first_name == "Ada"
    assert snapshot["next_appointment"]["appointment_type"] == "tax_planning"
    rows = _audit_rows(concierge_world, "it_con_a")
    assert len(rows) == before + 1
    assert rows[-1][:2] == ("snapshot", "ck_it_1") and rows[-1][3] is True


def test_snapshot_of_another_concierges_client_is_refused_and_audited(
    concierge_world: ConciergeWorld,
) -> None:
    with concierge_world.connect_as("it_con_a") as connection, connection.cursor() as cursor:
        cursor.execute("select concierge.client_snapshot(%s)", ("ck_it_3",))
        assert cursor.fetchone()[0] is None
    last = _audit_rows(concierge_world, "it_con_a")[-1]
    assert last[:2] == ("snapshot", "ck_it_3") and last[3] is False


def test_every_search_is_audited_without_the_search_text(concierge_world: ConciergeWorld) -> None:
    before = len(_audit_rows(concierge_world, "it_con_b"))
    _search_keys(concierge_world, "it_con_b", "edith@example.com")
    rows = _audit_rows(concierge_world, "it_con_b")
    assert len(rows) == before + 1
    kind, client_key, detail, allowed = rows[-1]
    assert (kind, client_key, allowed) == ("search", None, True)
    assert detail["search_text_kind"] == "email"
    assert detail["search_text_length"] == len("edith@example.com")
    assert "edith" not in json.dumps(detail)


def test_recording_an_action_stores_the_encrypted_note_and_an_audit_row(
    concierge_world: ConciergeWorld,
) -> None:
    note = concierge_world.cipher.encrypt(
        "Called Ada about harvesting", "concierge.opportunity_actions.note"
    )
    with concierge_world.connect_as("it_con_a") as connection, connection.cursor() as cursor:
        cursor.execute(
            "select concierge.record_opportunity_action(%s, %s, %s, %s)",
            ("ck_it_2", "tax_loss_harvesting", "contacted", note),
        )
        action_id = cursor.fetchone()[0]
        # Not assigned to this concierge: nothing recorded.
        cursor.execute(
            "select concierge.record_opportunity_action(%s, %s, %s, %s)",
            ("ck_it_4", "tax_loss_harvesting", "contacted", note),
        )
        assert cursor.fetchone()[0] is None
    assert action_id is not None
    with concierge_world.admin() as connection, connection.cursor() as cursor:
        cursor.execute(
            "select client_key, opportunity_action, note_encrypted, recorded_by_role "
            "from concierge.opportunity_actions where opportunity_action_id = %s",
            (action_id,),
        )
        assert cursor.fetchone() == ("ck_it_2", "contacted", note, "wdp_user_it_con_a")
        cursor.execute(
            "select count(*) from concierge.opportunity_actions where client_key = 'ck_it_4'"
        )
        assert cursor.fetchone()[0] == 0
    kinds = [(row[0], row[1], row[3]) for row in _audit_rows(concierge_world, "it_con_a")[-2:]]
    assert kinds == [("record_action", "ck_it_2", True), ("record_action", "ck_it_4", False)]


@pytest.mark.parametrize(
    "statement",
    [
        "select * from raw_app.clients",
        "select * from raw_app.appointments",
        "select * from marts.dim_clients",
        "select * from audit.concierge_access_log",
        "select * from concierge.opportunity_actions",
        "insert into audit.concierge_access_log (access_kind, was_allowed) values ('search', true)",
        "insert into concierge.opportunity_actions (client_key, opportunity_type, "
        "opportunity_action) values ('ck_it_1', 'x', 'contacted')",
        "select concierge.caller_may_see('ck_it_1')",
    ],
)
def test_a_concierge_reaches_nothing_but_the_functions(
    concierge_world: ConciergeWorld, statement: str
) -> None:
    for user_name in ("it_con_a", "it_lead"):
        with (
            concierge_world.connect_as(user_name) as connection,
            connection.cursor() as cursor,
            pytest.raises(errors.InsufficientPrivilege),
        ):
            cursor.execute(statement)


@pytest.mark.parametrize("user_name", ["it_product", "it_marketing", "it_engineer"])
@pytest.mark.parametrize(
    "statement",
    [
        "select * from concierge.search_clients('a')",
        "select concierge.client_snapshot('ck_it_1')",
        "select concierge.record_opportunity_action('ck_it_1', 'x', 'contacted', null)",
    ],
)
def test_analysts_and_engineers_cannot_call_concierge_functions(
    concierge_world: ConciergeWorld, user_name: str, statement: str
) -> None:
    with (
        concierge_world.connect_as(user_name) as connection,
        connection.cursor() as cursor,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        cursor.execute(statement)


@pytest.mark.parametrize("user_name", ["it_product", "it_marketing"])
def test_analysts_cannot_read_client_identifiers(
    concierge_world: ConciergeWorld, user_name: str
) -> None:
    with (
        concierge_world.connect_as(user_name) as connection,
        connection.cursor() as cursor,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        cursor.execute("select email_encrypted from raw_app.clients")


def test_nobody_rewrites_the_audit_log(concierge_world: ConciergeWorld) -> None:
    _search_keys(concierge_world, "it_con_a")
    with (
        concierge_world.connect_as("it_engineer") as connection,
        connection.cursor() as cursor,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        cursor.execute("delete from audit.concierge_access_log")
    # Not even its owner: the table refuses updates and deletes.
    with concierge_world.admin() as connection, connection.cursor() as cursor:
        cursor.execute("set local role wdp_owner")
        with pytest.raises(errors.InsufficientPrivilege):
            cursor.execute("delete from audit.concierge_access_log")


def test_the_function_owner_bypasses_nothing(concierge_world: ConciergeWorld) -> None:
    with concierge_world.admin() as connection, connection.cursor() as cursor:
        cursor.execute(
            "select rolsuper, rolbypassrls, rolcanlogin from pg_roles "
            "where rolname = 'wdp_concierge_api'"
        )
        assert cursor.fetchone() == (False, False, False)
        cursor.execute(
            "select count(*) from pg_class c join pg_roles r on r.oid = c.relowner "
            "where r.rolname = 'wdp_concierge_api'"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "select c.oid::regclass::text, c.relrowsecurity, c.relforcerowsecurity "
            "from pg_class c where c.oid in "
            "('raw_app.clients'::regclass, 'raw_app.appointments'::regclass, "
            "'raw_documents.files'::regclass) order by 1"
        )
        assert cursor.fetchall() == [
            ("raw_app.appointments", True, True),
            ("raw_app.clients", True, True),
            ("raw_documents.files", True, True),
        ]
        cursor.execute(
            "select p.proname, p.prosecdef, r.rolname, p.proconfig from pg_proc p "
            "join pg_roles r on r.oid = p.proowner "
            "where p.pronamespace = 'concierge'::regnamespace order by 1"
        )
        functions = cursor.fetchall()
        assert [row[0] for row in functions] == [
            "caller_may_see",
            "client_snapshot",
            "record_opportunity_action",
            "search_clients",
        ]
        for name, is_definer, owner, config in functions:
            assert owner == "wdp_concierge_api"
            assert is_definer == (name != "caller_may_see")
            assert config == ["search_path=pg_catalog, pg_temp"]
        # Acting as the owner without a concierge login behind it shows no client.
        cursor.execute("create role it_owner_probe login")
        cursor.execute("grant wdp_concierge_api to it_owner_probe")
        cursor.execute("set local session authorization it_owner_probe")
        cursor.execute("set local role wdp_concierge_api")
        cursor.execute("select count(*) from raw_app.clients")
        assert cursor.fetchone()[0] == 0
        connection.rollback()


@pytest.mark.parametrize("text", INJECTION_STRINGS)
def test_injection_strings_are_harmless(concierge_world: ConciergeWorld, text: str) -> None:
    assert _search_keys(concierge_world, "it_con_a", text) == {"ck_it_1", "ck_it_2"}
    with concierge_world.connect_as("it_con_a") as connection, connection.cursor() as cursor:
        cursor.execute(
            "select concierge.record_opportunity_action(%s, %s, %s, %s)",
            ("ck_it_1", text, "dismissed", text),
        )
        action_id = cursor.fetchone()[0]
        connection.commit()
        with pytest.raises(psycopg2.Error):
            # An injection in the action itself is only a value the check refuses.
            cursor.execute(
                "select concierge.record_opportunity_action(%s, %s, %s, %s)",
                ("ck_it_1", "x", text, None),
            )
    with concierge_world.admin() as connection, connection.cursor() as cursor:
        cursor.execute(
            "select opportunity_type, note_encrypted from concierge.opportunity_actions "
            "where opportunity_action_id = %s",
            (action_id,),
        )
        assert cursor.fetchone() == (text, text)
        cursor.execute("select count(*) from raw_app.clients where client_key like 'ck_it_%'")
        assert cursor.fetchone()[0] == len(CLIENTS)
