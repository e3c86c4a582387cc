"""dbt models as Dagster assets, run through dagster-dbt.

The manifest is prepared before this module is imported (`wdp` and the tests
call `project.prepare_dbt_manifest()`; under `dagster dev`, `prepare_if_dev`
below re-parses only when a project file is newer, into a private folder, so
the several run workers of a backfill never contend for it). Each dbt
invocation writes its artifacts into a target folder of its own
(`project.invocation_target_path`), never into the shared `target/`. dbt
connects as `wdp_transformer`; its connection settings are exported just
before dbt runs, with the password read by libpq from the passfile, never
written anywhere.
"""

import json
import os
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.defs.dbt import change_detection
from orchestration.defs.dbt.project import (
    DBT_EXECUTABLE,
    DBT_PROJECT,
    dbt_connection_env,
    invocation_target_path,
    prepare_if_dev,
)
from orchestration.defs.dbt.source_freshness import dbt_source_freshness
from orchestration.defs.quality.great_expectations import gx_suite_check
from orchestration.resources import WarehouseResource
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

TAX_FIGURES_SOURCE = "source.wdp.tax.client_tax_figures"
FIRST_STEP = "wdp_dbt_models"
AFTER_TAX_STEP = "wdp_dbt_models_after_tax_figures"


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    dbt_step: str,
) -> Iterator[Any]:
    """`dbt build` of this step's nodes whose inputs changed (change_detection.py)."""
    os.environ.update(dbt_connection_env(Warehouse.from_env()))
    target_path = invocation_target_path(context.run.run_id, context.op_execution_context.op.name)
    if context.selected_asset_keys != context.assets_def.keys:
        # A hand-picked subset (`wdp run --select`, the UI): build what was asked, as asked,
        # and record nothing (the step's other models were not built).
        yield from dbt.cli(["build"], context=context, target_path=target_path).stream()
        return
    manifest = json.loads(Path(DBT_PROJECT.manifest_path).read_text())
    connection = warehouse.connect("wdp_transformer")
    try:
        current = change_detection.BuildState(
            dbt_project_sha256=change_detection.dbt_project_sha256(Path(DBT_PROJECT.project_dir)),
            build_date=change_detection.warehouse_date(connection),
            source_versions=change_detection.read_source_versions(connection, manifest),
        )
        plan = _plan_step(context, manifest, connection, current, dbt_step)
    finally:
        connection.close()
    context.log.info(f"{dbt_step}: {plan.reason}")
    if plan.is_empty:
        context.log.info(f"{dbt_step}: nothing to build; dbt not started")
        return
    if plan.build_all:
        yield from dbt.cli(["build"], context=context, target_path=target_path).stream()
    else:
        kept = sorted(_step_nodes(manifest, dbt_step) - plan.excluded)
        context.log.info(
            f"{dbt_step}: building {len(plan.rebuild)} models/seeds/snapshots and their tests; "
            f"{len(plan.excluded)} nodes unchanged and excluded"
        )
        # Tests are picked explicitly (a relationships test runs when either side was
        # rebuilt), so dbt must not add or drop tests through its indirect selection.
        previous_indirect = os.environ.get("DBT_INDIRECT_SELECTION")
        os.environ["DBT_INDIRECT_SELECTION"] = "empty"
        try:
            invocation = dbt.cli(
                [
                    "build",
                    "--select",
                    " ".join(change_detection.fqn_selectors(manifest, kept)),
                    "--exclude",
                    " ".join(change_detection.fqn_selectors(manifest, plan.excluded)),
                ],
                context=context,
                target_path=target_path,
            )
        finally:
            if previous_indirect is None:
                os.environ.pop("DBT_INDIRECT_SELECTION", None)
            else:
                os.environ["DBT_INDIRECT_SELECTION"] = previous_indirect
        yield from invocation.stream()
    # Reached only when dbt succeeded (a failed build raises): record what it built from.
    connection = warehouse.connect("wdp_transformer")
    try:
        change_detection.record_build_state(connection, dbt_step, current, context.run.run_id)
    finally:
        connection.close()


def _step_nodes(manifest: Mapping[str, Any], dbt_step: str) -> set[str]:
    """The unique ids of the models, seeds, snapshots and tests one dbt step builds."""
    everything = {
        unique_id
        for unique_id in (*manifest["nodes"], *manifest.get("unit_tests", {}))
        if unique_id.split(".", 1)[0] in ("model", "seed", "snapshot", "test", "unit_test")
    }
    after_tax = change_detection.descendants(manifest, [TAX_FIGURES_SOURCE])
    return everything & after_tax if dbt_step == AFTER_TAX_STEP else everything - after_tax


def _plan_step(
    context: dg.AssetExecutionContext,
    manifest: Mapping[str, Any],
    connection: Any,
    current: change_detection.BuildState,
    dbt_step: str,
) -> change_detection.BuildPlan:
    """This step's plan; for the first step, also what the assets after it need.

    Dagster skips a step when one of its upstream assets was not materialized in
    the run. The Tax-Calculator asset and the after-tax dbt step read models of
    the first step, so when the after-tax step has something to build, or one of
    those models is rebuilt anyway, the first step builds all of them.
    """
    plan = change_detection.plan_build(
        manifest,
        _step_nodes(manifest, dbt_step),
        current,
        change_detection.read_build_state(connection, dbt_step),
    )
    if dbt_step == AFTER_TAX_STEP or plan.build_all:
        return plan
    after_tax_plan = change_detection.plan_build(
        manifest,
        _step_nodes(manifest, AFTER_TAX_STEP),
        current,
        change_detection.read_build_state(connection, AFTER_TAX_STEP),
    )
    boundary = _models_read_outside(context, manifest)
    if after_tax_plan.is_empty and not (plan.rebuild & boundary):
        return plan
    return change_detection.with_forced(plan, manifest, boundary)


def _models_read_outside(
    context: dg.AssetExecutionContext, manifest: Mapping[str, Any]
) -> set[str]:
    """unique ids of this step's nodes that an asset outside the step depends on."""
    own_keys = context.assets_def.keys
    asset_graph = context.job_def.asset_layer  # the run's assets: has(), get().child_keys
    translator = WdpDbtTranslator()
    read_outside = set()
    for unique_id in _step_nodes(manifest, FIRST_STEP):
        if not unique_id.startswith(("model.", "seed.", "snapshot.")):
            continue
        key = translator.get_asset_spec(manifest, unique_id, DBT_PROJECT).key
        if (
            key in own_keys
            and asset_graph.has(key)
            and any(child not in own_keys for child in asset_graph.get(key).child_keys)
        ):
            read_outside.add(unique_id)
    return read_outside


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=WdpDbtTranslator(),
    exclude=AFTER_TAX_FIGURES,
)
def wdp_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    yield from _build(context, dbt, warehouse, FIRST_STEP)


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=WdpDbtTranslator(),
    select=AFTER_TAX_FIGURES,
    name="wdp_dbt_models_after_tax_figures",
)
def wdp_dbt_models_after_tax_figures(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    yield from _build(context, dbt, warehouse, AFTER_TAX_STEP)


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
