"""`wdp demo` (what `make demo` runs): both UIs come up, Ctrl-C stops them and the database.

Runs in its own WDP_HOME and ports, so it starts and stops its own embedded server.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.e2e.conftest import WDP
from warehouse_ddl.embedded import EmbeddedPostgres


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, payload: dict | None = None) -> bytes | None:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"} if data else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.read()
    except OSError:
        return None


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout_s: float) -> bytes:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, f"wdp demo exited early: {log.read_text()[-3000:]}"
        body = _get(url)
        if body is not None:
            return body
        time.sleep(1)
    raise AssertionError(f"{url} did not answer within {timeout_s} s: {log.read_text()[-3000:]}")


def test_demo_serves_both_uis_and_ctrl_c_stops_everything() -> None:
    home = Path(tempfile.mkdtemp(prefix="wdp-demo-"))
    home.chmod(0o755)
    pg_port, dagster_port, app_port = _free_port(), _free_port(), _free_port()
    webhook_port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "WDP_DATABASE_URL"},
        "WDP_HOME": str(home),
        "WDP_PG_PORT": str(pg_port),
        "WDP_DAGSTER_PORT": str(dagster_port),
        "WDP_APP_PORT": str(app_port),
        "WDP_WEBHOOK_PORT": str(webhook_port),
    }
    for plaid_setting in ("PLAID_ENV", "PLAID_HOST", "PLAID_CLIENT_ID", "PLAID_SECRET"):
        env.pop(plaid_setting, None)
    log = home / "demo-output.log"
    demo = subprocess.Popen(
        [WDP, "demo", "--clients", "25"],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # As `make demo &` in a script or a CI runner starts it: SIGINT inherited
        # ignored. Ctrl-C must stop it all the same.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        _wait_for(f"http://127.0.0.1:{app_port}/_stcore/health", demo, log, timeout_s=900)
        _wait_for(f"http://127.0.0.1:{dagster_port}/server_info", demo, log, timeout_s=900)
        _wait_for(f"http://127.0.0.1:{webhook_port}/health", demo, log, timeout_s=60)
        graph = _get(
            f"http://127.0.0.1:{dagster_port}/graphql",
            {"query": "{ assetNodes { assetKey { path } } }"},
        )
        assert graph is not None
        asset_paths = {
            "/".join(node["assetKey"]["path"]) for node in json.loads(graph)["data"]["assetNodes"]
        }
        assert {"raw_app/clients", "marts/dim_clients"} <= asset_paths

        os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        try:
            demo.wait(timeout=120)
        except subprocess.TimeoutExpired:
            tail = log.read_text()[-3000:]
            raise AssertionError(f"Ctrl-C did not stop wdp demo: {tail}") from None
        output = log.read_text()
        assert "embedded Postgres stopped" in output
        assert "[3/4] pipeline" in output and "succeeded" in output, output[-4000:]
        assert _get(f"http://127.0.0.1:{app_port}/_stcore/health") is None
        assert _get(f"http://127.0.0.1:{dagster_port}/server_info") is None
        assert _get(f"http://127.0.0.1:{webhook_port}/health") is None
        assert not EmbeddedPostgres(home, pg_port).status().is_running
    finally:
        if demo.poll() is None:
            # SIGTERM first: `wdp demo` then stops the servers it started in their own sessions.
            os.killpg(demo.pid, signal.SIGTERM)
            try:
                demo.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(demo.pid, signal.SIGKILL)
        EmbeddedPostgres(home, pg_port).stop()
        shutil.rmtree(home, ignore_errors=True)
