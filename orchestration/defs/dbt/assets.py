"""dbt models as Dagster assets, run through dagster-dbt.

The manifest is prepared before this module is imported (`wdp` and the tests
call `project.prepare_dbt_manifest()`; under `dagster dev`, `prepare_if_dev`
below re-parses only when a project file is newer, into a private folder, so
the several run workers of a backfill never contend for it). Each dbt
invocation writes its artifacts into a target folder of its own
(`project.invocation_target_path`), never into the shared `target/`. dbt
connects as `wdp_transformer`; its connection settings are exported just
before dbt runs, with the password read by libpq from the passfile, never
written anywhere. The first dbt step builds nothing when every model was already
built today from the same tables and code (`unchanged_inputs.py`): Dagster then
skips the steps after it.
"""

import datetime as dt
import json
import os
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg2
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.defs.dbt.project import (
    DBT_EXECUTABLE,
    DBT_PROJECT,
    dbt_connection_env,
    invocation_target_path,
    prepare_if_dev,
)
from orchestration.defs.dbt.source_freshness import dbt_source_freshness
from orchestration.defs.dbt.unchanged_inputs import (
    BuildInputs,
    last_build_still_current,
    mart_code_digest,
    tables_fingerprint,
    tables_models_read,
)
from orchestration.defs.quality.great_expectations import gx_suite_check
from orchestration.run_tags import refetch_and_rebuild
from warehouse_ddl import Warehouse

prepare_if_dev()


MARTS_FRESHNESS = dg.FreshnessPolicy.time_window(
    warn_window=timedelta(hours=24), fail_window=timedelta(hours=30)
)
"""Marts are rebuilt by the 02:00 nightly run: a mart older than a day means a
night was missed (warn); older than 30 hours, this morning's run failed too."""


class WdpDbtTranslator(DagsterDbtTranslator):
    """dbt nodes as assets; marts get the nightly freshness policy (Dagster >= 1.12 style)."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest.get("nodes", {}).get(unique_id, {})
        if node.get("resource_type") == "model" and node.get("schema") == "marts":
            spec = spec.replace_attributes(freshness_policy=MARTS_FRESHNESS)
        return spec


AFTER_TAX_FIGURES = "source:tax.client_tax_figures+"
"""dbt nodes downstream of the Tax-Calculator asset (orchestration/defs/tax), which
itself reads a mart: dbt -> Python -> dbt. One `@dbt_assets` op for all models
would be a cycle, so the models split into the ones before (everything else)
and the ones after it; the nightly job runs the three steps in order."""
WRITTEN_BY_THE_BUILD = (("tax", "client_tax_figures"),)
"""Sources the build itself writes (between its dbt steps): not an input of the build."""


def _build_inputs(warehouse: Warehouse) -> BuildInputs:
    manifest = json.loads(Path(DBT_PROJECT.manifest_path).read_text())
    tables = tables_models_read(manifest, WRITTEN_BY_THE_BUILD)
    connection = psycopg2.connect(warehouse.role_url("wdp_transformer"))
    try:
        fingerprint = tables_fingerprint(connection, tables)
    finally:
        connection.close()
    return BuildInputs(fingerprint, mart_code_digest())


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    models_decided_here: frozenset[dg.AssetKey] = frozenset(),
) -> Iterator[Any]:
    """`dbt build` of the step's models, each materialization marked with the inputs
    read before the build; with `models_decided_here`, nothing when those models and
    the step's own were all built today from the inputs there are now."""
    warehouse = Warehouse.from_env()
    os.environ.update(dbt_connection_env(warehouse))
    inputs = _build_inputs(warehouse)
    if models_decided_here and not refetch_and_rebuild(context.run.tags):
        keys = context.selected_asset_keys | models_decided_here
        reason = last_build_still_current(context.instance, keys, inputs, dt.datetime.now(dt.UTC))
        if reason is not None:
            context.log.info(f"dbt build skipped: {reason}; the steps after it are skipped too")
            return
    target_path = invocation_target_path(context.run.run_id, context.op_execution_context.op.name)
    for event in dbt.cli(["build"], context=context, target_path=target_path).stream():
        if isinstance(event, dg.Output):
            event = event.with_metadata({**event.metadata, **inputs.metadata})
        yield event


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=WdpDbtTranslator(),
    exclude=AFTER_TAX_FIGURES,
)
def wdp_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    # This step decides for both: the second builds only after this one built.
    yield from _build(context, dbt, frozenset(wdp_dbt_models_after_tax_figures.keys))


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=WdpDbtTranslator(),
    select=AFTER_TAX_FIGURES,
    name="wdp_dbt_models_after_tax_figures",
)
def wdp_dbt_models_after_tax_figures(
    context: dg.AssetExecutionContext, dbt: DbtCliResource
) -> Iterator[Any]:
    yield from _build(context, dbt)


EXPECTATIONS_DIR = Path(__file__).parent / "expectations"
"""Great Expectations suites of the marts, `marts__<model>.yaml` (asset key [marts, <model>])."""

mart_gx_checks = [gx_suite_check(path) for path in sorted(EXPECTATIONS_DIR.glob("marts__*.yaml"))]
"""Run after dbt has built the marts; ERROR suites are blocking: a failure fails the run,
alerts, and stops every asset downstream of the mart outside dbt's own step (within
dbt's step, dbt's own tests stop the models downstream). See docs/runbook.md."""

defs = dg.Definitions(
    assets=[wdp_dbt_models, wdp_dbt_models_after_tax_figures],
    asset_checks=[*mart_gx_checks, dbt_source_freshness],
    resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)},
)
