"""The role matrix of docs/security.md is what the database enforces, role by role.

For every login role and every schema, the privileges the catalog grants are
summarised as `read` (SELECT on every table of the schema) and `write` (CREATE in
the schema, or INSERT/UPDATE/DELETE/TRUNCATE on any table), and compared with the
table in docs/security.md. Then each cell is proved with real statements: a
SELECT and an INSERT as that role succeed or fail with "permission denied".
Beyond the matrix: which roles own what, and that no path inside the database
leads to the decryption keys (they live only in the key ring file).
"""

import base64
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from privacy import ensure_local_keyring, load_keyring
from warehouse_ddl import Warehouse

SECURITY_DOC = Path(__file__).parents[3] / "docs" / "security.md"
RAW_SCHEMAS = ("raw_app", "raw_plaid", "raw_documents", "raw_events")
DBT_SCHEMAS = ("staging", "intermediate", "snapshots", "marts", "concierge")
MATRIX_ROLES = (
    "wdp_loader", "wdp_transformer", "wdp_analyst", "wdp_concierge", "wdp_engineer", "wdp_dagster",
)  # fmt: skip
# A table of each schema the statements probe (dbt's schemas get one created by dbt's role).
PROBE_TABLES = {
    "raw_app": "clients",
    "raw_plaid": "accounts",
    "raw_documents": "files",
    "raw_events": "events",
    "quarantine": "rejected_records",
    "audit": "load_runs",
    **{schema: "role_matrix_probe" for schema in DBT_SCHEMAS},
}
# Built-in roles that would open the server's files (and so a key ring beside it).
SERVER_FILE_ROLES = (
    "pg_read_server_files", "pg_write_server_files", "pg_execute_server_program",
    "pg_read_all_data", "pg_write_all_data",
)  # fmt: skip


def documented_matrix() -> dict[str, dict[str, str]]:
    """docs/security.md's role matrix: role -> schema column -> 'read, write' / 'read' / '—'."""
    text = SECURITY_DOC.read_text()
    block = text.split("<!-- role-matrix:start -->")[1].split("<!-- role-matrix:end -->")[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in block.strip().splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]
    header, body = rows[0], rows[1:]
    return {row[0].strip("`"): dict(zip(header[1:], row[1:], strict=True)) for row in body}


def _cell(can_read: bool, can_write: bool) -> str:
    return ", ".join(word for word, on in (("read", can_read), ("write", can_write)) if on) or "—"


@pytest.fixture(scope="module")
def probe_tables(warehouse: Warehouse) -> Iterator[None]:
    """A table in each dbt schema, created by dbt's role as a model would be."""
    transformer = psycopg2.connect(warehouse.role_url("wdp_transformer"))
    with transformer, transformer.cursor() as cursor:
        for schema in DBT_SCHEMAS:
            cursor.execute(
                sql.SQL("create table if not exists {} (probe_value text)").format(
                    sql.Identifier(schema, "role_matrix_probe")
                )
            )
    yield
    with transformer, transformer.cursor() as cursor:
        for schema in DBT_SCHEMAS:
            cursor.execute(
                sql.SQL("drop table if exists {}").format(
                    sql.Identifier(schema, "role_matrix_probe")
                )
            )
    transformer.close()


RESTRICTED_TABLES = {
    ("audit", "concierge_access_log"): {"wdp_engineer"},
    ("concierge", "staff_logins"): {"wdp_engineer"},
}
"""Tables only some of their schema's readers may read (docs/security.md, below the
matrix): who viewed which client is for engineers' investigations, not for the
loader or dbt. Every other role is judged on the rest of the schema."""


def catalog_cell(cursor, role: str, schema: str) -> str:
    """What the catalog grants `role` on `schema`, summarised as a matrix cell."""
    hidden = [
        table
        for (table_schema, table), readers in RESTRICTED_TABLES.items()
        if table_schema == schema and role not in readers
    ]
    cursor.execute(
        "select has_schema_privilege(%(role)s, %(schema)s, 'usage'), "
        "has_schema_privilege(%(role)s, %(schema)s, 'create'), "
        "count(c.oid), "
        "count(c.oid) filter (where has_table_privilege(%(role)s, c.oid, 'select')), "
        "count(c.oid) filter ("
        "  where has_table_privilege(%(role)s, c.oid, 'insert, update, delete, truncate'))"
        "from pg_namespace n left join pg_class c "
        "  on c.relnamespace = n.oid and c.relkind in ('r', 'p', 'v', 'm') "
        "  and c.relname <> all(%(hidden)s::name[]) "
        "where n.nspname = %(schema)s group by n.oid",
        {"role": role, "schema": schema, "hidden": hidden},
    )
    usage, create, tables, readable, writable = cursor.fetchone()
    assert tables > 0, f"schema {schema} has no table to judge"
    # Reading a schema means reading all of it: partial grants would be a matrix of their own.
    assert readable in (0, tables), f"{role} reads {readable} of {tables} tables of {schema}"
    return _cell(usage and readable == tables, usage and (create or writable > 0))


def test_restricted_tables_are_read_by_their_readers_only(warehouse: Warehouse) -> None:
    with psycopg2.connect(warehouse.admin_url("warehouse")) as connection:
        cursor = connection.cursor()
        for (schema, table), readers in RESTRICTED_TABLES.items():
            cursor.execute(
                "select r.rolname from pg_roles r where r.rolname = any(%s) "
                "and has_table_privilege(r.rolname, %s, 'select')",
                (list(MATRIX_ROLES), f"{schema}.{table}"),
            )
            assert {name for (name,) in cursor.fetchall()} == readers


def test_documented_matrix_covers_every_role_and_schema() -> None:
    matrix = documented_matrix()
    assert set(matrix) == set(MATRIX_ROLES)
    assert all(
        set(cells) == {"raw_*", "quarantine", "audit", *DBT_SCHEMAS} for cells in matrix.values()
    )


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_catalog_grants_match_the_documented_matrix(
    role: str, warehouse: Warehouse, probe_tables: None
) -> None:
    documented = documented_matrix()[role]
    with psycopg2.connect(warehouse.admin_url("warehouse")) as connection:
        cursor = connection.cursor()
        granted = {schema: catalog_cell(cursor, role, schema) for schema in PROBE_TABLES}
    expected = {
        schema: documented["raw_*" if schema in RAW_SCHEMAS else schema] for schema in PROBE_TABLES
    }
    assert granted == expected


def _attempt(warehouse: Warehouse, role: str, statement: sql.Composable) -> bool:
    """Whether `role` may run `statement` (rolled back): False only on 'permission denied'."""
    try:
        connection = psycopg2.connect(warehouse.role_url(role))
    except psycopg2.OperationalError as refused:
        assert "permission denied for database" in str(refused)
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
        return True
    except psycopg2.errors.InsufficientPrivilege:
        return False
    except psycopg2.IntegrityError:
        return True  # past the privilege check; the row itself was refused (NOT NULL)
    finally:
        connection.rollback()
        connection.close()


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_each_role_reads_and_writes_exactly_what_the_matrix_says(
    role: str, warehouse: Warehouse, probe_tables: None
) -> None:
    documented = documented_matrix()[role]
    observed, expected = {}, {}
    for schema, table in PROBE_TABLES.items():
        target = sql.Identifier(schema, table)
        can_read = _attempt(warehouse, role, sql.SQL("select count(*) from {}").format(target))
        insert = sql.SQL("insert into {} default values").format(target)
        can_write = _attempt(warehouse, role, insert)
        observed[schema] = _cell(can_read, can_write)
        expected[schema] = documented["raw_*" if schema in RAW_SCHEMAS else schema]
    assert observed == expected


def test_analysts_read_marts_only(warehouse: Warehouse, probe_tables: None) -> None:
    """Checked on every schema of the database, not only the ones the matrix names."""
    with psycopg2.connect(warehouse.admin_url("warehouse")) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select distinct n.nspname from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where c.relkind in ('r', 'p', 'v', 'm') "
            "and n.nspname not in ('pg_catalog', 'information_schema') "
            "and has_schema_privilege('wdp_analyst', n.oid, 'usage') "
            "and has_table_privilege('wdp_analyst', c.oid, 'select')"
        )
        assert [schema for (schema,) in cursor.fetchall()] == ["marts"]


def test_roles_own_only_what_they_should(warehouse: Warehouse, probe_tables: None) -> None:
    with psycopg2.connect(warehouse.admin_url("warehouse")) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select pg_get_userbyid(c.relowner), n.nspname, count(*) from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where pg_get_userbyid(c.relowner) like 'wdp\\_%%' "
            "and n.nspname not like 'pg\\_temp\\_%%' and n.nspname not like 'pg\\_toast%%' "
            "group by 1, 2"
        )
        owned = {(owner, schema) for owner, schema, _ in cursor.fetchall()}
        cursor.execute(
            "select distinct pg_get_userbyid(proowner) from pg_proc "
            "where pg_get_userbyid(proowner) like 'wdp\\_%%'"
        )
        function_owners = {owner for (owner,) in cursor.fetchall()}
        cursor.execute(
            "select datname, pg_get_userbyid(datdba) from pg_database "
            "where datname in ('warehouse', 'dagster')"
        )
        database_owners = dict(cursor.fetchall())
    assert {owner for owner, _ in owned} <= {"wdp_owner", "wdp_transformer"}
    # dbt's role owns the relations it builds, and only in its own schemas.
    assert {schema for owner, schema in owned if owner == "wdp_transformer"} <= set(DBT_SCHEMAS)
    # The concierge functions run as their own NOLOGIN owner, which owns no table
    # (tests/integration/analytics_app/test_concierge_functions.py).
    assert function_owners <= {"wdp_owner", "wdp_concierge_api"}
    assert database_owners == {"warehouse": "wdp_owner", "dagster": "wdp_dagster"}


def test_no_login_role_can_reach_the_servers_files(warehouse: Warehouse) -> None:
    """COPY FROM a file or pg_read_file would be a path from SQL to a key ring on disk."""
    with psycopg2.connect(warehouse.admin_url("warehouse")) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select r.rolname, b.rolname from pg_roles r cross join pg_roles b "
            "where r.rolname like 'wdp\\_%%' and b.rolname = any(%s) "
            "and pg_has_role(r.oid, b.oid, 'member')",
            (list(SERVER_FILE_ROLES),),
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "select r.rolname from pg_roles r where r.rolname like 'wdp\\_%%' "
            "and has_function_privilege(r.oid, 'pg_read_file(text)', 'execute')"
        )
        assert cursor.fetchall() == []
    assert not _attempt(warehouse, "wdp_engineer", sql.SQL("copy (select 1) to '/tmp/wdp_probe'"))


def _key_material(warehouse: Warehouse) -> list[str]:
    """Every key and the pepper of the ring, in the encodings they could be stored in."""
    ensure_local_keyring(warehouse.settings.home)  # what `wdp db upgrade` does; no-op if present
    ring = load_keyring(warehouse.settings.home)
    secrets = [*ring.keys.values(), ring.pepper]
    return [
        encoded
        for secret in secrets
        for encoded in (
            base64.b64encode(secret).decode(),
            base64.urlsafe_b64encode(secret).decode().rstrip("="),
            secret.hex(),
        )
    ]


@pytest.mark.parametrize("database", ["warehouse", "dagster"])
def test_no_key_material_is_stored_in_the_database(database: str, warehouse: Warehouse) -> None:
    """Keys never reach the database, so no grant (engineer's included) can lead to them."""
    needles = [f"%{value}%" for value in _key_material(warehouse)]
    leaks = []
    with psycopg2.connect(warehouse.admin_url(database)) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' "
            "and table_schema not in ('pg_catalog', 'information_schema')"
        )
        for schema, table in cursor.fetchall():
            cursor.execute(
                sql.SQL("select count(*) from {} as t where t::text like any(%s)").format(
                    sql.Identifier(schema, table)
                ),
                (needles,),
            )
            if cursor.fetchone()[0]:
                leaks.append(f"{schema}.{table}")
        # Nor in a setting, a role's options or a comment.
        cursor.execute(
            "select count(*) from pg_settings, unnest(%s::text[]) as needle "
            "where setting like needle",
            (needles,),
        )
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "select count(*) from pg_description, unnest(%s::text[]) as needle "
            "where description like needle",
            (needles,),
        )
        assert cursor.fetchone() == (0,)
    assert leaks == []
