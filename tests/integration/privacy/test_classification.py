"""Every column of every raw table is classified, and the classification is what is stored.

Checked against the migrated warehouse (not a list kept beside the test), the
dbt manifest (column `meta.pii_class` of the raw sources) and docs/security.md.
"""

import json
from pathlib import Path

import psycopg2
import pytest

from orchestration.defs.dbt.project import DBT_PROJECT, prepare_dbt_manifest
from privacy.classification import (
    ENCRYPTED_SUFFIX,
    MASKED_SUFFIX,
    RAW_COLUMN_CLASSES,
    SOURCE_COLUMN_CLASSES,
    PiiClass,
    UnclassifiedColumnError,
    classification_markdown,
    direct_identifiers,
    raw_column_class,
)
from warehouse_ddl import Warehouse

SECURITY_DOC = Path(__file__).parents[3] / "docs" / "security.md"


@pytest.fixture(scope="module")
def raw_columns(warehouse: Warehouse) -> list[tuple[str, str, str]]:
    with psycopg2.connect(warehouse.admin_url("warehouse")) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select c.table_schema, c.table_name, c.column_name "
            "from information_schema.columns c join information_schema.tables t "
            "using (table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' and c.table_schema like 'raw\\_%%' "
            "order by 1, 2, c.ordinal_position"
        )
        columns = cursor.fetchall()
    assert len(columns) > 300
    return columns


def test_every_raw_column_has_a_class(raw_columns: list[tuple[str, str, str]]) -> None:
    unclassified = []
    for schema, table, column in raw_columns:
        try:
            raw_column_class(schema, table, column)
        except UnclassifiedColumnError as problem:
            unclassified.append(str(problem))
    assert unclassified == []


def test_direct_identifiers_are_stored_only_encrypted(
    raw_columns: list[tuple[str, str, str]],
) -> None:
    in_clear = [
        f"{schema}.{table}.{column}"
        for schema, table, column in raw_columns
        if raw_column_class(schema, table, column) is PiiClass.DIRECT_IDENTIFIER
        and not column.endswith(ENCRYPTED_SUFFIX)
    ]
    assert in_clear == []


def test_every_direct_identifier_of_an_app_table_has_its_encrypted_column(
    raw_columns: list[tuple[str, str, str]],
) -> None:
    stored = {(table, column) for schema, table, column in raw_columns if schema == "raw_app"}
    app_tables = [source for source in SOURCE_COLUMN_CLASSES if source.startswith("app.")]
    missing = [
        f"raw_app.{source.removeprefix('app.')}.{column}{ENCRYPTED_SUFFIX}"
        for source in app_tables
        for column in direct_identifiers(source)
        if (source.removeprefix("app."), f"{column}{ENCRYPTED_SUFFIX}") not in stored
    ]
    assert missing == []
    # ... and nothing the source marks identifying is kept in clear under its own name.
    assert not [
        (source, column)
        for source in app_tables
        for column in direct_identifiers(source)
        if (source.removeprefix("app."), column) in stored
    ]


def test_declarations_name_only_columns_that_exist(
    raw_columns: list[tuple[str, str, str]],
) -> None:
    existing = {(f"{schema}.{table}", column) for schema, table, column in raw_columns}
    stale = [
        f"{table}.{column}"
        for table, columns in RAW_COLUMN_CLASSES.items()
        for column in columns
        if (table, column) not in existing
    ]
    assert stale == []


def test_masked_columns_are_quasi_identifiers() -> None:
    assert raw_column_class("raw_app", "clients", f"ssn{MASKED_SUFFIX}") is (
        PiiClass.QUASI_IDENTIFIER
    )
    with pytest.raises(UnclassifiedColumnError, match="declare it in privacy"):
        raw_column_class("raw_plaid", "accounts", "nickname")


def test_dbt_sources_carry_the_class_of_every_raw_column(
    raw_columns: list[tuple[str, str, str]],
) -> None:
    prepare_dbt_manifest()
    manifest = json.loads(Path(DBT_PROJECT.manifest_path).read_text())
    raw_sources = [
        source for source in manifest["sources"].values() if source["schema"].startswith("raw_")
    ]
    assert raw_sources
    stored = {(schema, table, column) for schema, table, column in raw_columns}
    mismatches = []
    for source in raw_sources:
        schema, table = source["schema"], source["name"]
        documented = source["columns"]
        # Every stored column is documented, each with its class.
        for stored_schema, stored_table, column in sorted(stored):
            if (stored_schema, stored_table) != (schema, table):
                continue
            meta_class = documented.get(column, {}).get("meta", {}).get("pii_class")
            if meta_class != raw_column_class(schema, table, column).value:
                mismatches.append((f"{schema}.{table}.{column}", meta_class))
    assert mismatches == []


def test_security_doc_shows_the_declared_classification() -> None:
    text = SECURITY_DOC.read_text()
    block = text.split("<!-- classification:start -->")[1].split("<!-- classification:end -->")[0]
    assert block.strip() == classification_markdown(), (
        "docs/security.md is out of date: paste privacy.classification.classification_markdown()"
    )
