"""The app in a real headless browser (Debian's chromium driven by Playwright)."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import WDP, SlicedWorld

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


def test_clients_by_state_page_renders_the_truth_in_a_browser(
    sliced_world: SlicedWorld, app_url: str, wdp_home: Path
) -> None:
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium; run it through make"
    active = sum(row["is_deleted"] == "false" for row in sliced_world.truth_clients())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{app_url}/clients-by-state")
            expect(page.get_by_role("heading", name="Clients by state")).to_be_visible(
                timeout=60_000
            )
            metric = page.get_by_test_id("stMetricValue").first
            expect(metric).to_have_text(f"{active:,}", timeout=60_000)
            expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
            page.screenshot(path=str(wdp_home / "clients_by_state.png"), full_page=True)
        finally:
            browser.close()
