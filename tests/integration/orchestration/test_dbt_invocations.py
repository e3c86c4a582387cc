"""Concurrent dbt work shares nothing writable: one manifest swapped in, a folder per invocation.

The runs of a backfill start together under `dagster dev`; each prepares the
manifest and runs dbt. The end-to-end proof is tests/e2e/test_backfill_from_ui.py;
this is the quick one, with the real `dbt parse`.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from orchestration.defs.dbt.project import (
    DBT_PROJECT,
    INVOCATIONS_FOLDER,
    invocation_target_path,
    prepare_dbt_manifest,
)


def test_concurrent_parses_each_succeed_and_leave_one_whole_manifest() -> None:
    target = Path(DBT_PROJECT.project_dir) / DBT_PROJECT.target_path
    with ThreadPoolExecutor(max_workers=2) as pool:
        # force: every one of them really parses, at the same time.
        list(pool.map(lambda _: prepare_dbt_manifest(force=True), range(2)))
    manifest = json.loads(Path(DBT_PROJECT.manifest_path).read_text())
    assert "model.wdp.fct_opportunity_lifecycle" in manifest["nodes"]
    assert not list(target.glob("parse-*")), "a private parse folder was left behind"


def test_each_invocation_gets_its_own_target_folder_beside_the_manifest() -> None:
    first = invocation_target_path("run-a", "wdp_dbt_models")
    second = invocation_target_path("run-a", "wdp_dbt_models")
    other_run = invocation_target_path("run-b", "dbt_source_freshness")
    assert len({first, second, other_run}) == 3
    target = Path(DBT_PROJECT.project_dir) / DBT_PROJECT.target_path
    for path in (first, second, other_run):
        assert path.is_absolute() and path.parent.parent == target / INVOCATIONS_FOLDER
        assert path != Path(DBT_PROJECT.manifest_path).parent
