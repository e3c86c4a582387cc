"""The dbt project: where it is, how to parse it, and how dbt reaches the warehouse.

Kept apart from `assets.py` so callers (the `wdp` CLI, tests) can prepare the
manifest before the module that needs it is imported.
"""

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject
from psycopg2.extensions import parse_dsn

from warehouse_ddl import Warehouse
from warehouse_ddl.server import project_root

DBT_PROJECT = DbtProject(
    project_dir=project_root() / "dbt_project",
    profiles_dir=project_root() / "dbt_project",
)

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
