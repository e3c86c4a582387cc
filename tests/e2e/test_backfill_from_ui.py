"""A partition backfill launched the way the Dagster UI launches it reloads the past days.

The real `wdp dev` (Dagster webserver and daemon over the `dagster` database)
serves the code location; the test posts the UI's own GraphQL mutation,
`launchPartitionBackfill` with an asset selection and partition names, and the
daemon's backfill loop launches the runs. Two days of events are lost first, as
failed nights would lose them; after the backfill they are back, exactly as
the first nightly run had loaded them (the pre-loss state, itself checked
against the sandbox's event files).

The two runs of the backfill start together, so this also proves that
concurrent dbt invocations (the `dbt_source_freshness` check of each run) no
longer collide on the shared dbt target folder (docs/runbook.md, "Backfills").
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg2
import pytest

from tests.e2e.conftest import WDP, SlicedWorld
from warehouse_ddl import Warehouse

EVENTS_ASSET = ["raw_events", "events"]
LAUNCH_BACKFILL = """
mutation LaunchBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on PartitionSetNotFoundError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { invalidOutputName }
    ... on UnauthorizedError { message }
  }
}
"""
BACKFILL_STATUS = """
query BackfillStatus($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill { status numPartitions }
    ... on PythonError { message }
  }
}
"""
FINISHED = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop_all(process: subprocess.Popen[bytes]) -> None:
    """Stop `wdp dev` and everything it started, even what left its process group.

    `wdp dev` starts `dagster dev` in a session of its own, which starts the
    webserver, the daemon, the code server and the run workers: all of them are
    found as descendants first, then SIGTERM (`wdp dev` stops Dagster in order),
    then SIGKILL for whatever still runs a minute later.
    """
    try:
        started = [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
    except psutil.NoSuchProcess:
        started = []
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    _, alive = psutil.wait_procs(started, timeout=30)
    for leftover in alive:
        leftover.kill()
    psutil.wait_procs(alive, timeout=30)


@pytest.fixture
def dagster_ui(sliced_world: SlicedWorld, tmp_path: Path) -> Iterator[str]:
    """`wdp dev` on a free port; it and every process it started are stopped afterwards."""
    port = _free_port()
    output = tmp_path / "wdp-dev.log"
    process = subprocess.Popen(
        [WDP, "dev"],
        env={**os.environ, "WDP_DAGSTER_PORT": str(port)},
        stdout=output.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            assert process.poll() is None, output.read_text()[-3000:]
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(2)
        else:
            pytest.fail("the Dagster UI did not answer within 10 minutes")
        yield url
    finally:
        _stop_all(process)


def _graphql(url: str, query: str, variables: dict) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body
    return body["data"]


def _wait_for_code_location(url: str) -> None:
    """The webserver answers before the code location is loaded; a launch needs it loaded."""
    query = "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        entries = _graphql(url, query, {})["workspaceOrError"].get("locationEntries") or []
        if entries and all(entry["loadStatus"] == "LOADED" for entry in entries):
            return
        time.sleep(2)
    pytest.fail("the code location did not load within 10 minutes")


# Starting the UI and its daemon, then two runs, on a busy 2-core machine.
@pytest.mark.timeout(1800)
def test_backfill_launched_like_the_ui_reloads_past_days(
    sliced_world: SlicedWorld, warehouse: Warehouse, dagster_ui: str
) -> None:
    assert sliced_world.first_run.returncode == 0
    event_files = sorted((sliced_world.world_dir / "events").glob("*.jsonl"))
    days = [event_files[len(event_files) // 3].stem, event_files[2 * len(event_files) // 3].stem]
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    try:
        with admin, admin.cursor() as cursor:
            cursor.execute(
                "select _file_name, count(*) from raw_events.events "
                "where _file_name = any(%s) group by 1",
                ([f"{day}.jsonl" for day in days],),
            )
            lost = dict(cursor.fetchall())
            cursor.execute(
                "select _file_name, _line_number, message_id from raw_events.events "
                "where _file_name = any(%s)",
                (list(lost),),
            )
            rows_before = set(cursor.fetchall())
            cursor.execute("select count(*) from raw_events.events")
            (events_before,) = cursor.fetchone()
            # Lose those days' loads, as failed nights would have.
            cursor.execute(
                "delete from raw_events.events where _file_name = any(%s)", (list(lost),)
            )
            cursor.execute(
                "delete from audit.event_file_loads where file_name = any(%s)", (list(lost),)
            )
        assert len(lost) == 2 and all(count > 0 for count in lost.values())
        # What was lost is what the sandbox sent on those days (its event files).
        sent = {
            (path.name, json.loads(line)["messageId"])
            for path in event_files
            if path.name in lost
            for line in path.read_text().splitlines()
            if line.strip()
        }
        assert {(file_name, message_id) for file_name, _, message_id in rows_before} <= sent

        _wait_for_code_location(dagster_ui)
        launched = _graphql(
            dagster_ui,
            LAUNCH_BACKFILL,
            {
                "backfillParams": {
                    "assetSelection": [{"path": EVENTS_ASSET}],
                    "partitionNames": days,
                    "fromFailure": False,
                    "tags": [],
                }
            },
        )["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched

        deadline = time.monotonic() + 900
        status = None
        while time.monotonic() < deadline:
            backfill = _graphql(dagster_ui, BACKFILL_STATUS, {"backfillId": launched["backfillId"]})
            state = backfill["partitionBackfillOrError"]
            assert state["__typename"] == "PartitionBackfill", state
            status = state["status"]
            if status in FINISHED:
                break
            time.sleep(3)
        assert status in {"COMPLETED", "COMPLETED_SUCCESS"}, status

        with admin, admin.cursor() as cursor:
            cursor.execute("select count(*) from raw_events.events")
            assert cursor.fetchone() == (events_before,)
            cursor.execute(
                "select file_name, events_inserted from audit.event_file_loads "
                "where file_name = any(%s)",
                (list(lost),),
            )
            assert dict(cursor.fetchall()) == lost
            cursor.execute(
                "select _file_name, _line_number, message_id from raw_events.events "
                "where _file_name = any(%s)",
                (list(lost),),
            )
            assert set(cursor.fetchall()) == rows_before
    finally:
        admin.close()
