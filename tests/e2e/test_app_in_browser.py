"""The app in a real headless browser (Debian's chromium driven by Playwright).

Signs in through the form as a concierge created by `wdp users add`, finds an
assigned client by name and sees the snapshot; and as a product analyst sees
the clients-by-state page with the truth's count.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.conftest import WDP, SlicedWorld, wdp
from warehouse_ddl import Warehouse

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, chromium tries to reach Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _add_user(name: str, role: str, *options: str) -> str:
    added = wdp("users", "add", name, "--role", role, *options)
    assert added.returncode == 0, added.stderr
    return added.stdout.strip().rsplit(" ", 1)[-1]


@pytest.fixture
def app_url(sliced_world: SlicedWorld) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [WDP, "app"],
        env={**os.environ, "WDP_APP_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        pytest.fail("the Streamlit app did not start within 90 s")
    yield url
    # `wdp app` stops its Streamlit server on SIGTERM (nothing is left running).
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).close()
        except OSError:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the Streamlit server outlived `wdp app`")


def _sign_in(page: Page, url: str, user_name: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("User name").fill(user_name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def _assigned_client_name(warehouse: Warehouse, concierge_id: str) -> str:
    """From the sandbox's application database: an active client of this concierge."""
    with psycopg2.connect(warehouse.admin_url("app")) as connection, connection.cursor() as cursor:
        cursor.execute(
            "select c.first_name, c.last_name from clients c "
            "join concierge_assignments a on a.client_id = c.client_id "
            "where a.concierge_id = %s and a.unassigned_at is null and c.deleted_at is null "
            "order by c.client_id limit 1",
            (concierge_id,),
        )
        first, last = cursor.fetchone()
        return f"{first} {last}"


def test_a_concierge_signs_in_finds_a_client_and_sees_the_snapshot(
    sliced_world: SlicedWorld, app_url: str, warehouse: Warehouse, tmp_path: Path
) -> None:
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium; run it through make"
    concierge_password = _add_user("browser_concierge", "concierge", "--concierge-id", "con_0001")
    product_password = _add_user("browser_product", "product")
    client_name = _assigned_client_name(warehouse, "con_0001")
    active = sum(row["is_deleted"] == "false" for row in sliced_world.truth_clients())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context().new_page()
            _sign_in(page, app_url, "browser_concierge", concierge_password)
            expect(page.get_by_role("heading", name="Clients")).to_be_visible(timeout=60_000)
            search = page.get_by_label("Search by name, e-mail or phone")
            search.fill(client_name)
            search.press("Enter")
            expect(page.get_by_role("heading", name=client_name)).to_be_visible(timeout=60_000)
            expect(page.get_by_role("heading", name="Tax documents")).to_be_visible()
            expect(page.get_by_role("heading", name="Record an action")).to_be_visible()
            page.screenshot(path=str(tmp_path / "concierge_snapshot.png"), full_page=True)
            assert (tmp_path / "concierge_snapshot.png").stat().st_size > 0

            analyst = browser.new_context().new_page()
            _sign_in(analyst, app_url, "browser_product", product_password)
            # A page reload would start a new (signed-out) session: use the navigation.
            analyst.get_by_role("link", name="Clients by state").click()
            expect(analyst.get_by_role("heading", name="Clients by state")).to_be_visible(
                timeout=60_000
            )
            metric = analyst.get_by_test_id("stMetricValue").first
            expect(metric).to_have_text(f"{active:,}", timeout=60_000)
            expect(analyst.get_by_test_id("stVegaLiteChart").first).to_be_visible()
            # No concierge page in an analyst's app.
            expect(analyst.get_by_role("link", name="Clients", exact=True)).to_have_count(0)
        finally:
            browser.close()
