"""The local user store: argon2 hashes, 0600 file, one persona per user."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from analytics_app.auth.database_logins import save_login_password
from analytics_app.auth.personas import Persona, login_role_for
from analytics_app.auth.user_store import UserStore
from privacy import PrivacyError


def test_a_user_signs_in_with_the_right_password_only(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "secrets" / "app_users.json")
    store.add("maria", Persona.CONCIERGE, "correct horse", concierge_id="con_0001")
    user = store.authenticate("maria", "correct horse")
    assert user is not None
    assert (user.persona, user.login_role, user.concierge_id) == (
        Persona.CONCIERGE,
        "wdp_user_maria",
        "con_0001",
    )
    assert store.authenticate("maria", "wrong") is None
    assert store.authenticate("nobody", "correct horse") is None


def test_the_file_is_private_and_holds_no_password(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "app_users.json"
    UserStore(path).add("sam", Persona.PRODUCT, "s3cret-pass")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "s3cret-pass" not in path.read_text()
    assert "$argon2id$" in path.read_text()


def test_adding_again_replaces_the_password_and_persona(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    store.add("kim", Persona.PRODUCT, "first")
    store.add("kim", Persona.MARKETING, "second")
    assert store.authenticate("kim", "first") is None
    user = store.authenticate("kim", "second")
    assert user is not None and user.persona is Persona.MARKETING
    assert len(store.users()) == 1


def test_identity_provider_users_are_found_by_email(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    store.add("lee", Persona.ENGINEER, "pw", email="Lee@Example.com")
    found = store.find_by_email("lee@example.com")
    assert found is not None and found.user_name == "lee"
    assert store.find_by_email("other@example.com") is None


@pytest.mark.parametrize("name", ["Bob", "x", "robert'; drop role wdp_owner; --", "a b", "1abc"])
def test_user_names_that_cannot_be_role_names_are_refused(name: str) -> None:
    with pytest.raises(PrivacyError, match="not allowed"):
        login_role_for(name)


def test_each_persona_maps_to_its_database_roles() -> None:
    assert Persona.CONCIERGE.database_roles == ("wdp_concierge",)
    assert set(Persona.CONCIERGE_LEAD.database_roles) == {"wdp_concierge", "wdp_concierge_lead"}
    assert Persona.PRODUCT.database_roles == Persona.MARKETING.database_roles == ("wdp_analyst",)
    assert Persona.ENGINEER.database_roles == ("wdp_engineer",)


def test_the_passfile_keeps_one_private_line_per_role(tmp_path: Path) -> None:
    passfile = tmp_path / "secrets" / "app_users.pgpass"
    save_login_password(passfile, "wdp_user_a", "one")
    save_login_password(passfile, "wdp_user_b", "two")
    save_login_password(passfile, "wdp_user_a", "three")
    assert passfile.read_text().splitlines() == ["*:*:*:wdp_user_b:two", "*:*:*:wdp_user_a:three"]
    assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
