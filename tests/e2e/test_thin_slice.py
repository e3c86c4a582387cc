"""The thin slice end to end: sandbox app DB -> raw_app -> dbt -> marts -> checks.

The app's pages over the same world are tested in tests/e2e/test_app_pages.py
(signed in, as each persona's own database login).

Results are compared with the sandbox's truth file, never with numbers from a run.
"""

import re
from collections import Counter

import psycopg2
import pytest

from tests.e2e.conftest import FIRST_RUN_PROCESSES, SlicedWorld, wdp
from tests.webhook_capture import capturing_webhook
from warehouse_ddl import Warehouse


def _analyst_rows(warehouse: Warehouse, query: str) -> list[tuple]:
    with psycopg2.connect(warehouse.role_url("wdp_analyst")) as connection:
        cursor = connection.cursor()
        cursor.execute(query)
        return cursor.fetchall()


def test_first_run_succeeds(sliced_world: SlicedWorld) -> None:
    assert sliced_world.first_run.returncode == 0, sliced_world.first_run.stderr[-3000:]
    assert "succeeded" in sliced_world.first_run.stdout


def test_first_run_ran_its_steps_in_processes_of_their_own_two_at_a_time(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    match = re.search(r"^run ([0-9a-f-]{36}): ", sliced_world.first_run.stdout, re.MULTILINE)
    assert match, sliced_world.first_run.stdout[-2000:]
    with psycopg2.connect(warehouse.role_url("wdp_dagster", "dagster")) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select step_key, dagster_event_type, timestamp,"
            " (event::json -> 'dagster_event' ->> 'pid')::int"
            " from event_logs where run_id = %s"
            " and dagster_event_type in ('STEP_START', 'STEP_SUCCESS', 'STEP_FAILURE')",
            (match.group(1),),
        )
        events = cursor.fetchall()
    starts = {step: (at, pid) for step, kind, at, pid in events if kind == "STEP_START"}
    ends = {step: at for step, kind, at, _ in events if kind != "STEP_START"}
    assert len(starts) > FIRST_RUN_PROCESSES and set(ends) == set(starts)
    pids = [pid for _, pid in starts.values()]
    assert len(set(pids)) == len(pids), "each step runs in a process of its own"
    # The most steps running at any one moment: exactly the processes asked for.
    moments = sorted(
        [(at, 1) for at, _ in starts.values()] + [(at, -1) for at in ends.values()],
        key=lambda moment: (moment[0], moment[1]),
    )
    running = most_at_once = 0
    for _, change in moments:
        running += change
        most_at_once = max(most_at_once, running)
    assert most_at_once == FIRST_RUN_PROCESSES


def test_dim_clients_matches_the_truth_by_state(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    truth = sliced_world.truth_clients()
    expected = Counter(row["state"] for row in truth if row["is_deleted"] == "false")
    rows = _analyst_rows(
        warehouse,
        "select state_code, count(*) from marts.dim_clients where not is_deleted group by 1",
    )
    assert dict(rows) == dict(expected)
    (total,) = _analyst_rows(warehouse, "select count(distinct client_key) from marts.dim_clients")
    assert total == (len(truth),)


def test_marts_hold_no_source_client_id(sliced_world: SlicedWorld, warehouse: Warehouse) -> None:
    client_ids = {row["client_id"] for row in sliced_world.truth_clients()}
    rows = _analyst_rows(warehouse, "select c::text from marts.dim_clients as c")
    assert rows
    assert not any(client_id in row[0] for row in rows for client_id in client_ids)


def test_analyst_cannot_read_raw_or_staging(sliced_world: SlicedWorld, warehouse: Warehouse):
    for relation in ("raw_app.clients", "staging.stg_app__clients"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            _analyst_rows(warehouse, f"select count(*) from {relation}")


def test_blocking_check_stops_bad_raw_data_before_the_marts(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    assert sliced_world.first_run.returncode == 0
    before = _analyst_rows(warehouse, "select client_key from marts.dim_clients order by 1")
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    with admin, admin.cursor() as cursor:
        # A row that no loader could write: a clear-text e-mail and a malformed key.
        cursor.execute(
            "insert into raw_app.clients select 'cl_corrupt', 'short-key', first_name_encrypted, "
            "last_name_encrypted, 'leaked@example.com', phone_encrypted, "
            "date_of_birth_encrypted, ssn_encrypted, ssn_last4, street_address_encrypted, "
            "city_encrypted, postal_code_encrypted, state, filing_status, annual_income_usd, "
            "employer_name, signup_channel, created_at, updated_at, deleted_at, _load_id, "
            "_loaded_at from raw_app.clients limit 1"
        )
    try:
        with capturing_webhook() as (webhook_url, alerts):
            blocked = wdp("run", env={"WDP_ALERT_WEBHOOK_URL": webhook_url})
        assert blocked.returncode == 1
        assert "gx_raw_app__clients" in blocked.stderr
        assert "[wdp] blocking_check_failed" in blocked.stderr, "the alert is always logged"
        assert [alert["kind"] for alert in alerts] == ["blocking_check_failed"]
        assert "gx_raw_app__clients" in alerts[0]["summary"]
        after = _analyst_rows(warehouse, "select client_key from marts.dim_clients order by 1")
        assert after == before, "the marts must keep their last good version"
    finally:
        with admin, admin.cursor() as cursor:
            cursor.execute("delete from raw_app.clients where client_id = 'cl_corrupt'")
        admin.close()


def test_second_start_and_status_through_the_cli(sliced_world: SlicedWorld) -> None:
    started = wdp("db", "start")
    assert started.returncode == 0 and "running" in started.stdout
    status = wdp("db", "status")
    assert status.returncode == 0 and "running" in status.stdout


def test_db_url_is_accepted_by_psql(sliced_world: SlicedWorld) -> None:
    import subprocess

    from warehouse_ddl.embedded import postgres_bin_dir

    url = wdp("db", "url", "--role", "wdp_analyst").stdout.strip()
    answer = subprocess.run(
        [str(postgres_bin_dir() / "psql"), url, "-tAc", "select current_user"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert answer.stdout.strip() == "wdp_analyst"


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"WDP_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/postgres"}, "Cannot connect"),
        ({"WDP_KEYRING": "/nonexistent/keyring.json"}, "does not exist"),
        ({"WDP_PG_PORT": "not-a-port"}, "is not a port number"),
    ],
)
def test_bad_settings_stop_with_one_clear_sentence(
    sliced_world: SlicedWorld, env: dict[str, str], fragment: str
) -> None:
    result = wdp("run", env=env)
    assert result.returncode == 1
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
