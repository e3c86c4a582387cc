"""dbt models as Dagster assets, run through dagster-dbt.

The manifest is prepared lazily (`prepare_if_dev` under `dagster dev`; `wdp`
calls `prepare_dbt_manifest()` before it loads definitions). dbt connects as
`wdp_transformer`; its connection settings are exported just before dbt runs,
with the password read by libpq from the passfile, never written anywhere.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from psycopg2.extensions import parse_dsn

from warehouse_ddl import Warehouse
from warehouse_ddl.server import project_root

DBT_PROJECT = DbtProject(
    project_dir=project_root() / "dbt_project",
    profiles_dir=project_root() / "dbt_project",
)
DBT_PROJECT.prepare_if_dev()


DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
"""The venv's dbt, so runs work without the venv on PATH (STACK.md)."""


def prepare_dbt_manifest() -> None:
    """Parse the dbt project into `target/manifest.json` (what the assets are built from)."""
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT.project_dir),
            "--profiles-dir",
            str(DBT_PROJECT.profiles_dir),
        ],
        check=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )


def dbt_connection_env(server: Warehouse) -> dict[str, str]:
    """Environment for dbt's profile (profiles.yml reads these with env_var)."""
    params = parse_dsn(server.role_url("wdp_transformer", "warehouse"))
    return {
        "WDP_DBT_HOST": params["host"],
        "WDP_DBT_PORT": params["port"],
        "WDP_DBT_USER": params["user"],
        "WDP_DBT_DATABASE": params["dbname"],
        "WDP_DBT_SSLMODE": params.get("sslmode", "prefer"),
        "PGPASSFILE": params["passfile"],
    }


@dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT)
def wdp_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    os.environ.update(dbt_connection_env(Warehouse.from_env()))
    yield from dbt.cli(["build"], context=context).stream()


defs = dg.Definitions(
    assets=[wdp_dbt_models],
    resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)},
)
