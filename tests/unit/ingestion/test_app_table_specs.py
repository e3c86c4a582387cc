"""Every app table spec agrees with the classification, its query and the sandbox schema."""

import re
from importlib.resources import files

import pytest

from ingestion.app_db.tables import APP_TABLES, app_table
from ingestion.load import _array_literal, _copy_text_value
from privacy.classification import SOURCE_COLUMN_CLASSES

SANDBOX_SCHEMA = files("sandbox").joinpath("sql/app_schema.sql").read_text()


def sandbox_columns(table: str) -> set[str]:
    """Column names of `table` in the sandbox DDL (lines indented once: `    name type`)."""
    body = re.search(rf"create table {table} \((.*?)\n\);", SANDBOX_SCHEMA, re.S).group(1)
    return set(re.findall(r"^    ([a-z_]+) ", body, re.M))


def test_every_sandbox_table_has_a_spec() -> None:
    tables = re.findall(r"^create table (\w+)", SANDBOX_SCHEMA, re.M)
    assert sorted(tables) == sorted(spec.source_table for spec in APP_TABLES)


@pytest.mark.parametrize("spec", APP_TABLES, ids=lambda spec: spec.source_table)
def test_spec_query_and_classification_name_the_same_columns(spec) -> None:
    assert set(spec.source_columns) == sandbox_columns(spec.source_table)
    selected = re.search(r"select\s+(.*?)\s+from", spec.source_query(), re.S).group(1)
    assert [column.strip() for column in selected.split(",")] == list(spec.source_columns)
    assert spec.key_column == spec.source_columns[0]


def test_access_tokens_and_client_pii_are_encrypted() -> None:
    assert "access_token" in app_table("plaid_items").encrypted_columns
    assert "access_token_encrypted" in app_table("plaid_items").target_columns
    assert "access_token" not in app_table("plaid_items").target_columns
    clients = app_table("clients")
    assert {"ssn_encrypted", "ssn_last4", "client_key"} <= set(clients.target_columns)
    assert "ssn" not in clients.target_columns


def test_every_source_table_is_classified() -> None:
    assert {spec.source_name for spec in APP_TABLES} <= set(SOURCE_COLUMN_CLASSES)


def test_unknown_table_names_the_fix() -> None:
    with pytest.raises(KeyError, match=r"tables\.py"):
        app_table("no_such_table")


def test_arrays_json_and_booleans_in_copy_text() -> None:
    assert _array_literal(["NY", 'N"J', None, "a\\b"]) == '{"NY","N\\"J",NULL,"a\\\\b"}'
    assert _copy_text_value(["NY"]) == '{"NY"}'
    assert _copy_text_value({"b": 1, "a": "x\ty"}) == '{"a":"x\\\\ty","b":1}'
    assert (_copy_text_value(True), _copy_text_value(False)) == ("t", "f")
