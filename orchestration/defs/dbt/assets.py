"""dbt models as Dagster assets, run through dagster-dbt.

The manifest is prepared lazily (`prepare_if_dev` under `dagster dev`; `wdp`
and the tests call `project.prepare_dbt_manifest()` before importing this
module). dbt connects as `wdp_transformer`; its connection settings are
exported just before dbt runs, with the password read by libpq from the
passfile, never written anywhere.
"""

import os
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt.project import DBT_EXECUTABLE, DBT_PROJECT, dbt_connection_env
from warehouse_ddl import Warehouse

DBT_PROJECT.prepare_if_dev()


@dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT)
def wdp_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    os.environ.update(dbt_connection_env(Warehouse.from_env()))
    yield from dbt.cli(["build"], context=context).stream()


defs = dg.Definitions(
    assets=[wdp_dbt_models],
    resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)},
)
