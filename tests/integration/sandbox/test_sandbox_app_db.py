"""The app database written by build_world, against the embedded Postgres."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import psycopg2
import pytest

from sandbox import build_world

pytestmark = pytest.mark.integration

AS_OF = dt.date(2025, 6, 30)

CLIENT_COLUMNS = [
    ("client_id", "text", "NO"),
    ("first_name", "text", "NO"),
    ("last_name", "text", "NO"),
    ("email", "text", "NO"),
    ("phone", "text", "NO"),
    ("date_of_birth", "date", "NO"),
    ("ssn", "text", "NO"),
    ("street_address", "text", "NO"),
    ("city", "text", "NO"),
    ("state", "character", "NO"),
    ("postal_code", "text", "NO"),
    ("filing_status", "text", "NO"),
    ("annual_income_usd", "numeric", "NO"),
    ("employer_name", "text", "YES"),
    ("signup_channel", "text", "NO"),
    ("created_at", "timestamp with time zone", "NO"),
    ("updated_at", "timestamp with time zone", "NO"),
    ("deleted_at", "timestamp with time zone", "YES"),
]


def _query(url: str, statement: str) -> list[tuple]:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("set time zone 'UTC'")
            cursor.execute(statement)
            return cursor.fetchall()
    finally:
        connection.close()


def test_clients_table_has_exactly_the_agreed_columns(
    tmp_path: Path, app_database_url: str
) -> None:
    summary = build_world(
        tmp_path, clients=30, seed=3, as_of=AS_OF, app_database_url=app_database_url
    )
    columns = _query(
        app_database_url,
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_schema = 'public' and table_name = 'clients' order by ordinal_position",
    )
    assert columns == CLIENT_COLUMNS
    primary_key = _query(
        app_database_url,
        "select a.attname from pg_index i join pg_attribute a "
        "on a.attrelid = i.indrelid and a.attnum = any(i.indkey) "
        "where i.indrelid = 'public.clients'::regclass and i.indisprimary",
    )
    assert primary_key == [("client_id",)]
    assert summary.app_rows["clients"] == 30


def test_app_rows_match_the_truth_file(tmp_path: Path, app_database_url: str) -> None:
    build_world(tmp_path, clients=40, seed=8, as_of=AS_OF, app_database_url=app_database_url)
    rows = _query(
        app_database_url,
        "select client_id, state, filing_status, signup_channel, annual_income_usd::text, "
        'to_char(created_at, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\'), '
        "case when deleted_at is null then 'false' else 'true' end "
        "from clients order by client_id",
    )
    with (tmp_path / "truth/clients.csv").open(newline="") as handle:
        truth_rows = [tuple(row) for row in csv.reader(handle)][1:]
    assert rows == truth_rows


def test_rebuilding_into_the_same_database_gives_identical_rows(
    tmp_path: Path, app_database_url: str
) -> None:
    statement = "select * from clients order by client_id"
    build_world(tmp_path / "a", clients=25, seed=4, as_of=AS_OF, app_database_url=app_database_url)
    first = _query(app_database_url, statement)
    build_world(tmp_path / "b", clients=25, seed=4, as_of=AS_OF, app_database_url=app_database_url)
    second = _query(app_database_url, statement)
    assert len(first) == 25
    assert first == second
    deleted = [row for row in first if row[-1] is not None]
    assert all(row[-2] == row[-1] for row in deleted)  # updated_at == deleted_at


def test_cli_reports_an_unreachable_database(tmp_path: Path, capsys) -> None:
    from sandbox.cli import main

    code = main(
        [
            "build",
            "--out",
            str(tmp_path),
            "--clients",
            "2",
            "--as-of",
            "2025-06-30",
            "--app-db-url",
            "postgresql://nobody@127.0.0.1:1/app",
        ]
    )
    assert code == 1
    assert "check --app-db-url" in capsys.readouterr().err


APP_TABLES = {
    "clients",
    "advisors",
    "concierges",
    "concierge_assignments",
    "appointments",
    "goals",
    "manual_assets",
    "plaid_items",
    "document_uploads",
}


def test_every_app_table_is_loaded_and_has_updated_at(
    tmp_path: Path, app_database_url: str
) -> None:
    summary = build_world(
        tmp_path, clients=40, seed=12, as_of=AS_OF, app_database_url=app_database_url
    )
    assert set(summary.app_rows) == APP_TABLES
    for table in sorted(APP_TABLES):
        (count,) = _query(app_database_url, f"select count(*) from {table}")[0]
        assert count == summary.app_rows[table] > 0, table
    with_updated_at = {
        row[0]
        for row in _query(
            app_database_url,
            "select table_name from information_schema.columns "
            "where table_schema = 'public' and column_name = 'updated_at'",
        )
    }
    assert with_updated_at == APP_TABLES
    (latest,) = _query(
        app_database_url,
        "select max(updated_at)::date::text from (select updated_at from clients union all "
        "select updated_at from plaid_items union all select updated_at from goals) changes",
    )[0]
    assert latest <= AS_OF.isoformat()


def test_app_plaid_items_match_the_truth_file(tmp_path: Path, app_database_url: str) -> None:
    build_world(tmp_path, clients=25, seed=2, as_of=AS_OF, app_database_url=app_database_url)
    rows = _query(
        app_database_url,
        "select item_id, client_id, institution_id, access_token, "
        "case when deleted_at is null then 'false' else 'true' end "
        "from plaid_items order by client_id, item_id",
    )
    with (tmp_path / "truth/plaid_items.csv").open(newline="") as handle:
        truth = sorted(
            (r["item_id"], r["client_id"], r["institution_id"], r["access_token"], r["is_deleted"])
            for r in csv.DictReader(handle)
        )
    assert sorted(rows, key=lambda r: (r[1], r[0])) == sorted(truth, key=lambda r: (r[1], r[0]))
