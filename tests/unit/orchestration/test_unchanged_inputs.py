"""What the first dbt step compares before it builds (defs/dbt/unchanged_inputs.py)."""

import datetime as dt

import dagster as dg

from orchestration.defs.dbt.unchanged_inputs import (
    BuildInputs,
    last_build_still_current,
    mart_code_digest,
    tables_models_read,
)

MANIFEST = {
    "sources": {
        "source.wdp.app.clients": {"source_name": "app", "name": "clients", "schema": "raw_app"},
        "source.wdp.plaid.accounts": {
            "source_name": "plaid",
            "name": "accounts",
            "schema": "raw_plaid",
            "identifier": "accounts_v2",
        },
        "source.wdp.audit.load_runs": {
            "source_name": "audit",
            "name": "load_runs",
            "schema": "audit",
        },
        "source.wdp.tax.client_tax_figures": {
            "source_name": "tax",
            "name": "client_tax_figures",
            "schema": "intermediate",
        },
    },
    "child_map": {
        "source.wdp.app.clients": ["model.wdp.stg_app__clients", "test.wdp.not_null_x"],
        "source.wdp.plaid.accounts": ["model.wdp.stg_plaid__accounts"],
        # Declared for an exposure only: no model reads it.
        "source.wdp.audit.load_runs": ["exposure.wdp.data_health_page"],
        "source.wdp.tax.client_tax_figures": ["model.wdp.int_opportunities"],
    },
}


def test_the_tables_are_the_sources_models_read_less_what_the_build_writes() -> None:
    tables = tables_models_read(MANIFEST, [("tax", "client_tax_figures")])
    assert tables == [("raw_app", "clients"), ("raw_plaid", "accounts_v2")]


def test_the_code_digest_moves_with_any_file_of_the_mart_code(tmp_path) -> None:
    models = tmp_path / "dbt_project" / "models"
    models.mkdir(parents=True)
    (tmp_path / "dbt_project" / "dbt_project.yml").write_text("name: wdp\n")
    (models / "a.sql").write_text("select 1")
    before = mart_code_digest(tmp_path)
    (models / "a.sql").write_text("select 2")
    mart_code_digest.cache_clear()
    assert mart_code_digest(tmp_path) != before
    (models / "a.sql").write_text("select 1")
    mart_code_digest.cache_clear()
    assert mart_code_digest(tmp_path) == before


KEYS = [dg.AssetKey(["marts", "dim_clients"]), dg.AssetKey(["marts", "fct_opportunities"])]


def _built(instance: dg.DagsterInstance, inputs: BuildInputs, keys=KEYS) -> None:
    for key in keys:
        instance.report_runless_asset_event(dg.AssetMaterialization(key, metadata=inputs.metadata))


def test_the_last_build_is_current_only_if_every_model_was_built_today_from_these_inputs():
    inputs = BuildInputs(tables_fingerprint="f1", code_digest="c1")
    now = dt.datetime.now(dt.UTC)
    with dg.DagsterInstance.ephemeral() as instance:
        assert last_build_still_current(instance, KEYS, inputs, now) is None, "never built"
        _built(instance, inputs, KEYS[:1])
        assert last_build_still_current(instance, KEYS, inputs, now) is None, "one not built"
        _built(instance, inputs)
        reason = last_build_still_current(instance, KEYS, inputs, now)
        assert reason is not None and reason.startswith("all 2 models were built today")
        # Another day, other tables, other code, or tables without counters: build.
        tomorrow = now + dt.timedelta(days=1)
        assert last_build_still_current(instance, KEYS, inputs, tomorrow) is None
        for other in (
            BuildInputs("f2", "c1"),
            BuildInputs("f1", "c2"),
            BuildInputs(None, "c1"),
        ):
            assert last_build_still_current(instance, KEYS, other, now) is None
        # A newer build from other inputs of one model: no longer current.
        _built(instance, BuildInputs("f2", "c1"), KEYS[1:])
        assert last_build_still_current(instance, KEYS, inputs, now) is None
