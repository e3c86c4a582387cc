"""No direct identifier of the sandbox world is stored or logged in clear by the platform.

After a full run of the e2e world, the direct identifiers are taken from the
sources themselves (the sandbox's `app` database and its Plaid truth): names
(of clients, advisors and concierges, as they appear on forms and exports),
e-mails, phones, SSNs (with and without dashes), street addresses and Plaid
access tokens; plus the key ring's own key material. Then:

- at rest: every column of every table of every schema of the `warehouse` and
  `dagster` databases (Dagster's event log included) and every file the
  platform wrote under WDP_HOME (the encrypted document archive, Dagster's
  compute logs and storage, GX validation results, the server log);
- in logs: the captured stdout/stderr of the full `wdp run` (which also carries
  the in-process Plaid sandbox server's output), Dagster's compute logs, and
  dbt's own logs and artifacts (`dbt_project/logs`, `dbt_project/target`).

The sandbox world has no full account numbers to look for: Plaid's liabilities
answer `account_number: null` and the 1099 forms print only the last 4 digits;
the loaders' cut to last 4 is proved by the SQL-injection/odd-input tests and the
GX regexes on `*_last4` columns.
"""

import base64
import csv
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from orchestration.defs.dbt.project import DBT_PROJECT
from privacy import load_keyring
from tests.e2e.conftest import SlicedWorld
from warehouse_ddl import Warehouse

# Folders of WDP_HOME that hold the platform's own outputs (not the sandbox's source files).
PLATFORM_OUTPUT_FOLDERS = ("logs", "dagster", "gx", "documents")
DBT_OUTPUT_FOLDERS = ("logs", "target")


@pytest.fixture(scope="module")
def identifiers(sliced_world: SlicedWorld, warehouse: Warehouse) -> list[str]:
    assert sliced_world.first_run.returncode == 0, sliced_world.first_run.stderr[-2000:]
    with psycopg2.connect(warehouse.admin_url("app")) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select first_name || ' ' || last_name, email, phone, ssn, "
            "replace(ssn, '-', ''), street_address from clients"
        )
        values = {value for row in cursor.fetchall() for value in row}
        cursor.execute("select first_name || ' ' || last_name from advisors")
        values |= {value for (value,) in cursor.fetchall()}
        cursor.execute("select first_name || ' ' || last_name, email from concierges")
        values |= {value for row in cursor.fetchall() for value in row}
    with open(sliced_world.world_dir / "truth" / "plaid_items.csv", newline="") as truth:
        values |= {row["access_token"] for row in csv.DictReader(truth)}
    assert len(values) > 300
    return sorted(values)


@pytest.fixture(scope="module")
def key_material(warehouse: Warehouse) -> list[str]:
    """The ring's keys and pepper, as they could be written: never outside the key ring."""
    ring = load_keyring(warehouse.settings.home)
    return [
        encoded
        for secret in [*ring.keys.values(), ring.pepper]
        for encoded in (base64.b64encode(secret).decode(), secret.hex())
    ]


def _tables(connection) -> list[tuple[str, str]]:
    cursor = connection.cursor()
    cursor.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' "
        "and table_schema not in ('pg_catalog', 'information_schema')"
    )
    return cursor.fetchall()


@pytest.mark.parametrize("database", ["warehouse", "dagster"])
def test_no_identifier_in_any_table(
    database: str, identifiers: list[str], key_material: list[str], warehouse: Warehouse
) -> None:
    patterns = [f"%{value}%" for value in [*identifiers, *key_material]]
    leaks, scanned = [], set()
    with psycopg2.connect(warehouse.admin_url(database)) as connection:
        cursor = connection.cursor()
        for schema, table in _tables(connection):
            # The whole row as text: every text, jsonb and other column at once.
            cursor.execute(
                sql.SQL("select count(*) from {} as t where t::text like any(%s)").format(
                    sql.Identifier(schema, table)
                ),
                (patterns,),
            )
            scanned.add(schema)
            if cursor.fetchone()[0]:
                leaks.append(f"{database}.{schema}.{table}")
    assert leaks == []
    if database == "warehouse":
        assert {"raw_app", "raw_plaid", "raw_documents", "raw_events", "quarantine", "audit"} <= (
            scanned
        )
        assert {"staging", "marts"} & scanned  # dbt's tables were built and scanned too


def test_the_scan_finds_a_planted_identifier(identifiers: list[str], warehouse: Warehouse) -> None:
    """The scan above can fail: a clear e-mail planted in a table is found by the same query."""
    planted = next(value for value in identifiers if "@" in value)
    with psycopg2.connect(warehouse.admin_url("warehouse")) as connection:
        cursor = connection.cursor()
        cursor.execute("create temp table planted (note jsonb)")
        cursor.execute("insert into planted values (%s)", (f'{{"note": "{planted}"}}',))
        cursor.execute(
            "select count(*) from planted as t where t::text like any(%s)",
            ([f"%{value}%" for value in identifiers],),
        )
        assert cursor.fetchone() == (1,)
        connection.rollback()


def _leaks_in_files(roots: list[Path], needles: list[bytes]) -> list[str]:
    leaks = set()
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                content = _read(path)
                if any(needle in content for needle in needles):
                    leaks.add(str(path))
    return sorted(leaks)


def test_no_identifier_in_files_the_platform_wrote(
    identifiers: list[str], key_material: list[str], warehouse: Warehouse
) -> None:
    home = warehouse.settings.home
    archive = sorted((home / "documents" / "archive").rglob("*.enc"))
    compute_logs = list((home / "dagster" / "storage").rglob("compute_logs"))
    assert archive, "the document archive was written"
    assert compute_logs, "Dagster kept compute logs of the run"
    needles = [value.encode() for value in [*identifiers, *key_material]]
    roots = [home / folder for folder in PLATFORM_OUTPUT_FOLDERS]
    assert _leaks_in_files(roots, needles) == []


def test_no_identifier_in_dbt_logs_and_artifacts(identifiers: list[str]) -> None:
    project_dir = Path(DBT_PROJECT.project_dir)
    roots = [project_dir / folder for folder in DBT_OUTPUT_FOLDERS]
    # Each dbt invocation logs into its own target folder (project.invocation_target_path).
    assert any((project_dir / "target" / "invocations").rglob("dbt.log")), "dbt logged the run"
    needles = [value.encode() for value in identifiers]
    assert _leaks_in_files(roots, needles) == []


def test_no_identifier_in_the_output_of_the_full_run(
    sliced_world: SlicedWorld, identifiers: list[str], key_material: list[str]
) -> None:
    """`wdp run`'s stdout and stderr: Dagster's event lines, dbt's, the Plaid stand-in's."""
    output = sliced_world.first_run.stdout + sliced_world.first_run.stderr
    assert "materialized" in output  # the run's own summary line: the capture is real
    assert [value for value in [*identifiers, *key_material] if value in output] == []


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError:  # the embedded server's own files belong to its OS user
        return b""
