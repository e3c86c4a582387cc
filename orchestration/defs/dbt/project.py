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


_PROJECT_SOURCES = ("models", "macros", "seeds", "snapshots", "tests", "analyses")


def manifest_is_current() -> bool:
    """Whether `target/manifest.json` is newer than every file of the dbt project."""
    manifest = Path(DBT_PROJECT.manifest_path)
    if not manifest.exists():
        return False
    built_at = manifest.stat().st_mtime
    project_dir = Path(DBT_PROJECT.project_dir)
    sources = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in _PROJECT_SOURCES:
        sources.extend(path for path in (project_dir / folder).rglob("*") if path.is_file())
    return all(path.stat().st_mtime <= built_at for path in sources if path.exists())


def prepare_dbt_manifest(force: bool = False) -> None:
    """Parse the dbt project into `target/manifest.json` (what the assets are built from).

    Skipped when the manifest is newer than every project file: `dbt parse` costs
    about ten seconds of every `wdp run` otherwise.
    """
    if not force and manifest_is_current():
        return
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
