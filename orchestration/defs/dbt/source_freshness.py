"""dbt source freshness as Dagster asset checks on the raw tables dbt reads.

`dbt build` does not run source freshness, so one multi-asset check runs `dbt
source freshness` once and reports each source table's verdict on the raw asset
that loads it (the source's `meta.dagster.asset_key`). dbt's `warn_after` fails
the check with WARN severity (reported only); `error_after`, or a freshness
query that could not run, fails it with ERROR severity, which fails the run and
alerts (docs/runbook.md, "Stale source"). The windows are declared in the dbt
sources YAML, so dbt docs and this check read the same numbers.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.project import (
    DBT_PROJECT,
    dbt_connection_env,
    invocation_target_path,
    prepare_if_dev,
)
from warehouse_ddl import Warehouse

CHECK_NAME = "dbt_source_freshness"
_WINDOWS = ("warn_after", "error_after")


def sources_with_freshness(manifest: dict[str, Any]) -> dict[dg.AssetKey, str]:
    """The asset key of each raw table whose dbt source declares freshness -> the source id."""
    sources = {}
    for unique_id, source in sorted(manifest.get("sources", {}).items()):
        freshness = source.get("freshness") or {}
        declares = any((freshness.get(window) or {}).get("count") for window in _WINDOWS)
        asset_key = (source.get("meta") or {}).get("dagster", {}).get("asset_key")
        if asset_key and declares:
            sources[dg.AssetKey(asset_key)] = unique_id
    return sources


def freshness_check_result(
    asset_key: dg.AssetKey, verdict: dict[str, Any] | None
) -> dg.AssetCheckResult:
    """One source's row of dbt's sources.json as an asset check result."""
    status = (verdict or {}).get("status", "not evaluated")
    age_seconds = (verdict or {}).get("max_loaded_at_time_ago_in_s")
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=CHECK_NAME,
        passed=status == "pass",
        severity=dg.AssetCheckSeverity.WARN if status == "warn" else dg.AssetCheckSeverity.ERROR,
        description=(
            f"dbt source freshness: {status}"
            + (f", last load {age_seconds / 3600:.1f} h ago" if age_seconds is not None else "")
        ),
        metadata={
            "status": status,
            "max_loaded_at": str((verdict or {}).get("max_loaded_at")),
            "hours_since_last_load": None if age_seconds is None else round(age_seconds / 3600, 2),
            "criteria": dg.MetadataValue.json((verdict or {}).get("criteria") or {}),
        },
    )


def _manifest() -> dict[str, Any]:
    return json.loads(Path(DBT_PROJECT.manifest_path).read_text())


prepare_if_dev()
_SOURCES = sources_with_freshness(_manifest())


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            name=CHECK_NAME,
            asset=asset_key,
            description="dbt source freshness of the raw table (warn/error windows in the dbt "
            "sources YAML, measured on _loaded_at).",
        )
        for asset_key in sorted(_SOURCES, key=lambda key: key.to_user_string())
    ],
    can_subset=True,
    name="dbt_source_freshness",
)
def dbt_source_freshness(
    context: dg.AssetCheckExecutionContext, dbt: DbtCliResource
) -> Iterator[dg.AssetCheckResult]:
    os.environ.update(dbt_connection_env(Warehouse.from_env()))
    # Its own target folder: the freshness checks of concurrent runs (a backfill's
    # partitions) would otherwise overwrite each other's sources.json.
    invocation = dbt.cli(
        ["source", "freshness"],
        raise_on_error=False,
        manifest=_manifest(),
        target_path=invocation_target_path(context.run.run_id, CHECK_NAME),
    )
    invocation.wait()
    try:
        results = invocation.get_artifact("sources.json").get("results", [])
    except FileNotFoundError:
        results = []  # dbt failed before measuring anything: every check reports it
    verdicts = {result["unique_id"]: result for result in results}
    selected = {check_key.asset_key for check_key in context.selected_asset_check_keys}
    for asset_key, unique_id in _SOURCES.items():
        if asset_key in selected:
            yield freshness_check_result(asset_key, verdicts.get(unique_id))
