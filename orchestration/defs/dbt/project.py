"""The dbt project: where it is, how to parse it, and how dbt reaches the warehouse.

Kept apart from `assets.py` so callers (the `wdp` CLI, tests) can prepare the
manifest before the module that needs it is imported.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
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
    about ten seconds of every `wdp run` otherwise. dbt parses into a private
    target folder and the manifest is then moved into place in one rename, so
    that processes preparing at the same time (the run workers of a backfill
    under `dagster dev`) share no lock and no reader ever sees half a manifest.
    """
    if not force and manifest_is_current():
        return
    target = Path(DBT_PROJECT.project_dir) / DBT_PROJECT.target_path
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target, prefix="parse-") as private:
        partial_parse = target / PARTIAL_PARSE_FILE
        if partial_parse.exists():
            # dbt re-parses only what changed when it finds its previous state.
            shutil.copy2(partial_parse, Path(private) / PARTIAL_PARSE_FILE)
        subprocess.run(
            [
                DBT_EXECUTABLE,
                "parse",
                "--quiet",
                "--project-dir",
                str(DBT_PROJECT.project_dir),
                "--profiles-dir",
                str(DBT_PROJECT.profiles_dir),
                "--target-path",
                private,
            ],
            check=True,
            env={
                **os.environ,
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                "DBT_LOG_PATH": private,
            },
        )
        if (Path(private) / PARTIAL_PARSE_FILE).exists():
            os.replace(Path(private) / PARTIAL_PARSE_FILE, partial_parse)
        os.replace(Path(private) / "manifest.json", DBT_PROJECT.manifest_path)


def prepare_if_dev() -> None:
    """Under `dagster dev` (the code server and every run worker it starts), a current manifest."""
    if os.environ.get("DAGSTER_IS_DEV_CLI"):
        prepare_dbt_manifest()


PARTIAL_PARSE_FILE = "partial_parse.msgpack"

INVOCATIONS_FOLDER = "invocations"


def invocation_target_path(run_id: str, step_name: str) -> Path:
    """A target folder for one dbt invocation alone: `target/invocations/<run>/<step>-<random>`.

    dbt writes its artifacts (run_results.json, sources.json, the compiled SQL,
    its log) into the target folder; concurrent invocations (the runs of a
    backfill, a check beside a build) sharing one would overwrite each other's.
    The prepared `target/manifest.json` stays where it is and is only read.
    """
    return (
        Path(DBT_PROJECT.project_dir)
        / DBT_PROJECT.target_path
        / INVOCATIONS_FOLDER
        / run_id
        / f"{step_name}-{uuid.uuid4().hex[:8]}"
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
