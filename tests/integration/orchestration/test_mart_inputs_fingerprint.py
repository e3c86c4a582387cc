"""The tables the models read are fingerprinted by Postgres's write counters, as the
transformer role sees them: any committed write moves the fingerprint, reading does not."""

from collections.abc import Iterator

import psycopg2
import pytest

from orchestration.defs.dbt.unchanged_inputs import tables_fingerprint
from warehouse_ddl import Warehouse

PROBE = ("public", "mart_input_probe")


def _fingerprint(warehouse: Warehouse, tables: list[tuple[str, str]]) -> str | None:
    connection = psycopg2.connect(warehouse.role_url("wdp_transformer"))
    try:
        return tables_fingerprint(connection, tables)
    finally:
        connection.close()


def _admin(warehouse: Warehouse, statement: str) -> None:
    # Each statement in a session of its own: a closing session reports its counters.
    connection = psycopg2.connect(warehouse.admin_url("warehouse"))
    with connection, connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


@pytest.fixture
def probe(warehouse: Warehouse) -> Iterator[list[tuple[str, str]]]:
    _admin(warehouse, "create table public.mart_input_probe (n int)")
    yield [("raw_app", "clients"), PROBE]
    _admin(warehouse, "drop table public.mart_input_probe")


def test_a_write_moves_the_fingerprint_and_a_read_does_not(warehouse: Warehouse, probe) -> None:
    before = _fingerprint(warehouse, probe)
    assert before is not None
    _admin(warehouse, "select count(*) from public.mart_input_probe")
    assert _fingerprint(warehouse, probe) == before
    _admin(warehouse, "insert into public.mart_input_probe values (1)")
    inserted = _fingerprint(warehouse, probe)
    assert inserted not in (None, before)
    # A write that changes no value counts too, and so does a TRUNCATE (a new file).
    _admin(warehouse, "update public.mart_input_probe set n = n")
    updated = _fingerprint(warehouse, probe)
    assert updated not in (None, inserted)
    _admin(warehouse, "truncate public.mart_input_probe")
    assert _fingerprint(warehouse, probe) not in (None, updated)


def test_a_source_without_counters_fingerprints_as_unknown(warehouse: Warehouse, probe) -> None:
    # A view (or a missing table) has no write counters: the build is never skipped.
    assert _fingerprint(warehouse, [*probe, ("staging", "stg_app__clients")]) is None
