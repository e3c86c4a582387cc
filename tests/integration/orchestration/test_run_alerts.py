"""A `wdp run` that dies before it can report itself still alerts.

Dagster's run storage lives in the warehouse's Postgres (the `dagster`
database). When that storage cannot be reached, the run cannot record its own
failure and no run-failure sensor will ever see it: `wdp run` must alert from
its own error path (the Postgres-restart drill found this gap).
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from privacy import ensure_local_keyring
from warehouse_ddl import Warehouse

WDP = str(Path(sys.executable).with_name("wdp"))


@pytest.fixture
def run_storage_unreachable(warehouse: Warehouse) -> Iterator[None]:
    """The role of Dagster's run storage may not log in while the test runs."""
    ensure_local_keyring(warehouse.settings.home)
    admin = psycopg2.connect(warehouse.admin_url("postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("alter role wdp_dagster nologin")
        yield
    finally:
        with admin.cursor() as cursor:
            cursor.execute("alter role wdp_dagster login")
        admin.close()


def test_a_run_without_its_run_storage_fails_and_alerts(run_storage_unreachable: None) -> None:
    failed = subprocess.run(
        [WDP, "run", "--select", "key:raw_app/clients"],
        capture_output=True, text=True, env=dict(os.environ), timeout=600, check=False,
    )  # fmt: skip
    assert failed.returncode != 0
    alerts = [line for line in failed.stderr.splitlines() if line.startswith("[wdp] run_failed:")]
    assert len(alerts) == 1, failed.stderr[-3000:]
    assert "wdp run stopped before it finished" in alerts[0]
    assert "wdp_dagster" in alerts[0], "the alert names what could not be reached"
    # One line of the error, never the statement and parameters SQLAlchemy appends.
    assert "[SQL:" not in alerts[0] and "[parameters:" not in alerts[0]
