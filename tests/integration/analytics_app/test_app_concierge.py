"""The app's sign-in and concierge page in Streamlit's AppTest, against the real warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics_app.auth.user_store import AppUser
from analytics_app.queries.concierge import NOTE_CONTEXT
from tests.integration.analytics_app.conftest import ConciergeWorld

APP = str(Path(__file__).resolve().parents[3] / "analytics_app" / "streamlit_app.py")


@pytest.fixture
def app_environment(
    concierge_world: ConciergeWorld, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    from orchestration.cli import app_environment as wdp_app_environment

    for name, value in wdp_app_environment().items():
        monkeypatch.setenv(name, value)
    yield


def signed_in_app(user: AppUser) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state["app_user"] = user
    return app


def test_signing_in_with_the_user_store(
    concierge_world: ConciergeWorld, app_environment: None
) -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert app.title[0].value == "Wealth Data Platform"
    app.text_input[0].input("it_con_a")
    app.text_input[1].input("not the password")
    app.button[0].click().run()
    assert app.error[0].value == "Unknown user name or wrong password."
    assert "app_user" not in app.session_state
    app.text_input[1].input(concierge_world.passwords["it_con_a"])
    app.button[0].click().run()
    assert app.session_state["app_user"].login_role == "wdp_user_it_con_a"
    assert app.title[0].value == "Clients"


def test_a_concierge_finds_an_assigned_client_and_sees_the_snapshot(
    concierge_world: ConciergeWorld, app_environment: None
) -> None:
    app = signed_in_app(concierge_world.user("it_con_a")).run()
    app.text_input(key="client_search").input("lovelace").run()
    assert not app.exception
    assert app.header[0].value == "Ada Lovelace"
    assert "tax planning" in " ".join(block.value for block in app.markdown)
    # Another concierge's client is not found, whatever the search.
    app.text_input(key="client_search").input("Turing").run()
    assert app.warning[0].value == "None of your clients matches."
    # Phone digits match too.
    app.text_input(key="client_search").input("555 0102").run()
    assert app.header[0].value == "Grace Hopper"


def test_search_results_carry_each_match_decrypted(
    concierge_world: ConciergeWorld, app_environment: None
) -> None:
    from analytics_app.queries.concierge import search_clients

    lead = concierge_world.user("it_lead")
    # A name search decrypts phones only for its matches; they are still shown.
    by_name = search_clients(lead, "lovelace")
    assert by_name.to_dict("records") == [
        {
            "client_key": "ck_it_1",
            "full_name": "Ada Lovelace",
            "email": "ada@example.com",
            "phone": "+1 415 555 0101",
            "state": by_name.loc[0, "state"],
        }
    ]
    assert list(search_clients(lead, "415 555 0101")["client_key"]) == ["ck_it_1"]
    assert list(search_clients(lead, "ada@example")["client_key"]) == ["ck_it_1"]


def test_a_lead_finds_every_client(concierge_world: ConciergeWorld, app_environment: None) -> None:
    app = signed_in_app(concierge_world.user("it_lead")).run()
    app.text_input(key="client_search").input("édith").run()
    assert app.header[0].value == "Édith Piaf"


def test_recording_an_action_encrypts_the_note(
    concierge_world: ConciergeWorld, app_environment: None
) -> None:
    app = signed_in_app(concierge_world.user("it_con_a")).run()
    app.text_input(key="client_search").input("ada@example.com").run()
    note = "Called back; '; drop table concierge.opportunity_actions; --"
    app.text_input[1].input("cash_drag")
    app.radio[0].set_value("actioned")
    app.text_area[0].input(note)
    next(button for button in app.button if button.label == "Save action").click().run()
    assert app.success, [error.value for error in app.error]
    with concierge_world.admin() as connection, connection.cursor() as cursor:
        cursor.execute(
            "select opportunity_action, note_encrypted from concierge.opportunity_actions "
            "where client_key = 'ck_it_1' and opportunity_type = 'cash_drag' "
            "order by opportunity_action_id desc limit 1"
        )
        action, note_encrypted = cursor.fetchone()
    assert action == "actioned"
    assert note not in note_encrypted
    assert concierge_world.cipher.decrypt(note_encrypted, NOTE_CONTEXT) == note


@pytest.mark.parametrize("user_name", ["it_product", "it_marketing", "it_engineer"])
def test_other_roles_cannot_reach_the_concierge_page(
    concierge_world: ConciergeWorld, app_environment: None, user_name: str
) -> None:
    app = signed_in_app(concierge_world.user(user_name)).run()
    assert not app.exception
    # The router does not even register the page for this persona ...
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("app_pages/concierge_clients.py")
    # ... and the page itself stops if it is run anyway.
    page = AppTest.from_file(str(Path(APP).parent / "app_pages" / "concierge_clients.py"))
    page.session_state["app_user"] = concierge_world.user(user_name)
    page.run(timeout=60)
    assert page.error[0].value.startswith("This page is not available to the")
    assert not page.text_input


@pytest.mark.parametrize("user_name", ["it_product", "it_marketing", "it_engineer"])
def test_other_roles_are_refused_by_the_database(
    concierge_world: ConciergeWorld, app_environment: None, user_name: str
) -> None:
    """Even if the UI let them through, their login may not call the concierge functions."""
    from sqlalchemy.exc import ProgrammingError

    from analytics_app.queries.concierge import client_snapshot, search_clients

    user = concierge_world.user(user_name)
    with pytest.raises(ProgrammingError, match="permission denied"):
        search_clients(user, "ada")
    with pytest.raises(ProgrammingError, match="permission denied"):
        client_snapshot(user, "ck_it_1")
