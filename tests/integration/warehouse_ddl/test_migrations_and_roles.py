"""Migrations are idempotent and the roles get exactly the access of DESIGN §3."""

import psycopg2
import pytest

from warehouse_ddl import LOGIN_ROLES, Warehouse, upgrade

SCHEMAS = {
    "raw_app", "raw_plaid", "raw_documents", "raw_events", "quarantine", "staging",
    "intermediate", "snapshots", "marts", "concierge", "audit",
}  # fmt: skip


def test_second_upgrade_applies_nothing(warehouse: Warehouse) -> None:
    result = upgrade(warehouse)
    assert result.migrations_applied == ()
    assert result.databases_created == ()
    assert result.migrations_total >= 3


def test_schemas_exist_owned_by_wdp_owner(warehouse: Warehouse) -> None:
    with psycopg2.connect(warehouse.admin_url("warehouse")) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select nspname, pg_get_userbyid(nspowner) from pg_namespace where nspname = any(%s)",
            (list(SCHEMAS),),
        )
        owners = dict(cursor.fetchall())
    assert set(owners) == SCHEMAS
    assert set(owners.values()) == {"wdp_owner"}


def test_login_roles_are_least_privileged(warehouse: Warehouse) -> None:
    with psycopg2.connect(warehouse.admin_url("postgres")) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles "
            "where rolname like 'wdp_%%'"
        )
        roles = {row[0]: row[1:] for row in cursor.fetchall()}
    assert set(LOGIN_ROLES) | {"wdp_concierge_lead"} <= set(roles)
    assert all(flags == (False, False, False, False) for flags in roles.values())


def _can(warehouse: Warehouse, role: str, statement: str) -> bool:
    connection = psycopg2.connect(warehouse.role_url(role))
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
        return True
    except psycopg2.errors.InsufficientPrivilege:
        return False
    finally:
        connection.rollback()
        connection.close()


@pytest.mark.parametrize(
    ("role", "statement", "allowed"),
    [
        ("wdp_analyst", "select count(*) from raw_app.clients", False),
        ("wdp_analyst", "create table marts.sneaky (x int)", False),
        ("wdp_loader", "select count(*) from raw_app.clients", True),
        ("wdp_loader", "create table marts.sneaky (x int)", False),
        ("wdp_loader", "delete from audit.load_runs", False),
        ("wdp_transformer", "create table marts.model_probe (x int)", True),
        ("wdp_transformer", "delete from raw_app.clients", False),
        ("wdp_engineer", "select count(*) from raw_app.clients", True),
        ("wdp_engineer", "delete from raw_app.clients", False),
        ("wdp_concierge", "select count(*) from raw_app.clients", False),
    ],
)
def test_role_access(warehouse: Warehouse, role: str, statement: str, allowed: bool) -> None:
    assert _can(warehouse, role, statement) is allowed


def test_analyst_reads_tables_dbt_creates_in_marts(warehouse: Warehouse) -> None:
    transformer = psycopg2.connect(warehouse.role_url("wdp_transformer"))
    with transformer, transformer.cursor() as cursor:
        cursor.execute("create table marts.grant_probe as select 1 as answer")
    try:
        assert _can(warehouse, "wdp_analyst", "select answer from marts.grant_probe")
    finally:
        with transformer, transformer.cursor() as cursor:
            cursor.execute("drop table marts.grant_probe")
        transformer.close()


def test_role_passwords_are_required_over_tcp(warehouse: Warehouse) -> None:
    url = warehouse.role_url("wdp_analyst").split("?")[0]
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(url, password="wrong")
