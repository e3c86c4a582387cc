"""Production sign-in (st.login, OIDC) in a real headless browser, against the offline provider.

Runs what an operator types: `wdp users add ... --email`, `wdp sandbox oidc`
(the provider, and the app's `[auth]` secrets for it), `STREAMLIT_SECRETS_FILES=...
wdp app`. Chromium clicks the sign-in button, is sent to the provider, chooses an
account and comes back signed in as the user-store entry of that e-mail: its
persona's pages only, its own database login. Identities the app must refuse (not
in the user store; e-mail not verified by the provider) get a clear message and
no page.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.conftest import WDP, SlicedWorld, wdp
from tests.e2e.test_app_in_browser import CHROMIUM, CHROMIUM_ARGS
from warehouse_ddl import Warehouse

ANALYST_EMAIL = "pat.product@example.com"
STRANGER_EMAIL = "stranger@example.com"
UNVERIFIED_EMAIL = "una.unverified@example.com"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(command: list[str], environment: dict[str, str], ready_url: str) -> subprocess.Popen:
    server = subprocess.Popen(
        command,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"{' '.join(command[1:])} exited with {server.returncode}")
        try:
            urllib.request.urlopen(ready_url, timeout=2).close()
            return server
        except OSError:
            time.sleep(0.5)
    _stop(server)
    pytest.fail(f"{' '.join(command[1:])} did not answer {ready_url} within 90 s")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


@dataclass(frozen=True)
class OidcApp:
    url: str
    provider_url: str


@pytest.fixture(scope="module")
def oidc_app(sliced_world: SlicedWorld, warehouse: Warehouse) -> Iterator[OidcApp]:
    # Users first: the provider's directory is the app users with an e-mail.
    for name, persona, email in (
        ("oidc_product", "product", ANALYST_EMAIL),
        ("oidc_unverified", "marketing", UNVERIFIED_EMAIL),
    ):
        added = wdp("users", "add", name, "--role", persona, "--email", email)
        assert added.returncode == 0, added.stderr
    app_port, provider_port = _free_port(), _free_port()
    environment = {**os.environ, "WDP_APP_PORT": str(app_port)}
    provider_url = f"http://127.0.0.1:{provider_port}"
    provider = _start(
        [
            WDP,
            "sandbox",
            "oidc",
            "--port",
            str(provider_port),
            f"--account={STRANGER_EMAIL}=Stranger Danger",
            f"--unverified-account={UNVERIFIED_EMAIL}",
        ],
        environment,
        f"{provider_url}/.well-known/openid-configuration",
    )
    try:
        app_secrets = warehouse.settings.home / "secrets" / "sandbox_oidc" / "secrets.toml"
        assert app_secrets.stat().st_mode & 0o077 == 0, "the app's secrets file must be 0600"
        url = f"http://127.0.0.1:{app_port}"
        app = _start(
            [WDP, "app"],
            {**environment, "STREAMLIT_SECRETS_FILES": str(app_secrets)},
            f"{url}/_stcore/health",
        )
        try:
            yield OidcApp(url, provider_url)
        finally:
            _stop(app)
    finally:
        _stop(provider)


def _sign_in_at_provider(browser: Browser, app: OidcApp, email: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(app.url)
    sign_in = page.get_by_role("button", name="Sign in with your company account")
    expect(sign_in).to_be_visible(timeout=60_000)
    # No password form when an identity provider is configured.
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    sign_in.click()
    page.wait_for_url(f"{app.provider_url}/authorize*", timeout=60_000)
    page.get_by_role("button", name=email).click()
    page.wait_for_url(f"{app.url}/**", timeout=60_000)
    return page


def _app_connections(warehouse: Warehouse, login_role: str) -> int:
    with (
        psycopg2.connect(warehouse.admin_url("postgres")) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "select count(*) from pg_stat_activity where usename = %s and datname = 'warehouse'",
            (login_role,),
        )
        return cursor.fetchone()[0]


def test_an_analyst_signs_in_through_the_identity_provider_and_sees_only_analyst_pages(
    sliced_world: SlicedWorld, oidc_app: OidcApp, warehouse: Warehouse, tmp_path: Path
) -> None:
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium; run it through make"
    active = sum(row["is_deleted"] == "false" for row in sliced_world.truth_clients())
    assert _app_connections(warehouse, "wdp_user_oidc_product") == 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            analyst = _sign_in_at_provider(browser, oidc_app, ANALYST_EMAIL)
            expect(analyst.get_by_text("Signed in as oidc_product (product)")).to_be_visible(
                timeout=60_000
            )
            analyst.get_by_role("link", name="Clients by state").click()
            expect(analyst.get_by_role("heading", name="Clients by state")).to_be_visible(
                timeout=60_000
            )
            expect(analyst.get_by_test_id("stMetricValue").first).to_have_text(
                f"{active:,}", timeout=60_000
            )
            analyst.screenshot(path=str(tmp_path / "oidc_analyst.png"), full_page=True)
            assert (tmp_path / "oidc_analyst.png").stat().st_size > 0
            # The page read the warehouse as the mapped user's own login, as local sign-in does.
            assert _app_connections(warehouse, "wdp_user_oidc_product") >= 1

            expect(analyst.get_by_role("link", name="Clients", exact=True)).to_have_count(0)
            # Typing the concierge page's address: still signed in (the provider's
            # identity cookie), but that page is not the analyst's to open.
            analyst.goto(f"{oidc_app.url}/clients")
            expect(analyst.get_by_text("Signed in as oidc_product (product)")).to_be_visible(
                timeout=60_000
            )
            not_found = analyst.get_by_role("dialog")
            expect(not_found.get_by_text("Page not found")).to_be_visible(timeout=60_000)
            expect(analyst.get_by_label("Search by name, e-mail or phone")).to_have_count(0)
            expect(analyst.get_by_role("link", name="Clients", exact=True)).to_have_count(0)
            analyst.keyboard.press("Escape")
            expect(not_found).to_have_count(0)

            # Sign-out ends the app's session and the provider's (RP-initiated logout).
            analyst.get_by_role("button", name="Sign out").click()
            expect(
                analyst.get_by_role("button", name="Sign in with your company account")
            ).to_be_visible(timeout=60_000)
            expect(analyst.get_by_text("Signed in as")).to_have_count(0)
            # The identity cookie is gone too: a fresh page load is still signed out.
            analyst.reload()
            expect(
                analyst.get_by_role("button", name="Sign in with your company account")
            ).to_be_visible(timeout=60_000)
            expect(analyst.get_by_text("Signed in as")).to_have_count(0)
        finally:
            browser.close()


def test_identities_the_user_store_does_not_vouch_for_are_refused(
    oidc_app: OidcApp, tmp_path: Path
) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            stranger = _sign_in_at_provider(browser, oidc_app, STRANGER_EMAIL)
            expect(
                stranger.get_by_text(f"{STRANGER_EMAIL} is not registered for this app")
            ).to_be_visible(timeout=60_000)
            stranger.screenshot(path=str(tmp_path / "oidc_refused.png"), full_page=True)
            assert (tmp_path / "oidc_refused.png").stat().st_size > 0
            expect(stranger.get_by_text("Signed in as")).to_have_count(0)
            expect(stranger.get_by_role("link", name="Clients by state")).to_have_count(0)

            # Registered in the user store, but the provider has not verified the e-mail.
            unverified = _sign_in_at_provider(browser, oidc_app, UNVERIFIED_EMAIL)
            expect(
                unverified.get_by_text(
                    f"Your identity provider has not verified {UNVERIFIED_EMAIL}"
                )
            ).to_be_visible(timeout=60_000)
            expect(unverified.get_by_text("Signed in as")).to_have_count(0)
            expect(unverified.get_by_role("link", name="Clients by state")).to_have_count(0)
        finally:
            browser.close()
