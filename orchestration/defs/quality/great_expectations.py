"""Runs Great Expectations 1.x suites, declared as YAML beside their assets, as asset checks.

dagster-ge supports only GX 0.x, so GX is called directly (STACK.md): an
ephemeral context, a Postgres data source (the checks run as `wdp_engineer`,
which reads but cannot write), and one validation definition per suite. The
expectations execute as SQL in the warehouse. Each result is also written as
JSON under `WDP_HOME/gx/validations/<suite>/` so failures can be read later.
"""

import html
import json
import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from orchestration.resources import WarehouseResource


@dataclass(frozen=True)
class GxSuiteSpec:
    """A suite as declared in YAML: which table, how severe, which expectations."""

    suite_name: str
    asset_key: tuple[str, ...]
    schema: str
    table: str
    severity: str
    expectations: tuple[dict[str, Any], ...]
    max_row_count_drop_share: float = 0.5
    """Fail when the table has lost more than this share of the rows it had at the
    last passing check (a broken upstream often shows as a sudden drop)."""

    @classmethod
    def from_yaml(cls, path: Path) -> "GxSuiteSpec":
        document = yaml.safe_load(path.read_text())
        severity = document.get("severity", "ERROR")
        if severity not in ("ERROR", "WARN"):
            raise ValueError(f"{path}: severity must be ERROR or WARN, not {severity!r}")
        return cls(
            suite_name=document["suite_name"],
            asset_key=tuple(document["asset_key"]),
            schema=document["schema"],
            table=document["table"],
            severity=severity,
            expectations=tuple(document["expectations"]),
            max_row_count_drop_share=float(document.get("max_row_count_drop_share", 0.5)),
        )

    def with_row_count_floor(self, previous_row_count: int | None) -> "GxSuiteSpec":
        """The suite plus a row-count expectation relative to the last good count."""
        floor = (
            math.ceil(previous_row_count * (1 - self.max_row_count_drop_share))
            if previous_row_count
            else 0
        )
        row_count = {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": floor},
            "meta": {"wdp_row_count_floor": True},
        }
        return replace(self, expectations=(*self.expectations, row_count))


@dataclass(frozen=True)
class GxOutcome:
    """The verdict of one suite run."""

    passed: bool
    evaluated: int
    failed: tuple[str, ...]
    result: dict[str, Any]
    row_count: int | None = None


def run_gx_suite(spec: GxSuiteSpec, sqlalchemy_url: str) -> GxOutcome:
    """Validate `spec.schema.table` at `sqlalchemy_url`; pushes the expectations down to SQL."""
    import great_expectations as gx  # 3-4 s import: only when a check runs (STACK.md).

    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_postgres(name="warehouse", connection_string=sqlalchemy_url)
    table_asset = source.add_table_asset(
        name=spec.suite_name, table_name=spec.table, schema_name=spec.schema
    )
    batch = table_asset.add_batch_definition_whole_table("whole_table")
    suite = context.suites.add(gx.ExpectationSuite(name=spec.suite_name))
    for declared in spec.expectations:
        expectation_class = getattr(gx.expectations, _class_name(declared["type"]))
        suite.add_expectation(
            expectation_class(**declared.get("kwargs", {}), meta=declared.get("meta"))
        )
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=spec.suite_name, data=batch, suite=suite)
    )
    result = validation.run().to_json_dict()
    failed = tuple(
        _describe(item["expectation_config"]) for item in result["results"] if not item["success"]
    )
    row_counts = [
        item["result"].get("observed_value")
        for item in result["results"]
        if item["expectation_config"]["type"] == "expect_table_row_count_to_be_between"
    ]
    return GxOutcome(
        passed=bool(result["success"]),
        evaluated=len(result["results"]),
        failed=failed,
        result=result,
        row_count=next((count for count in row_counts if count is not None), None),
    )


def gx_suite_check(suite_path: Path) -> dg.AssetChecksDefinition:
    """An asset check (blocking when the suite's severity is ERROR) that runs the suite."""
    spec = GxSuiteSpec.from_yaml(suite_path)
    severity = (
        dg.AssetCheckSeverity.ERROR if spec.severity == "ERROR" else dg.AssetCheckSeverity.WARN
    )

    @dg.asset_check(
        asset=dg.AssetKey(list(spec.asset_key)),
        name=f"gx_{spec.suite_name}",
        blocking=spec.severity == "ERROR",
        description=f"Great Expectations suite {spec.suite_name} ({suite_path.name}), "
        f"{len(spec.expectations)} expectations, severity {spec.severity}.",
    )
    def _gx_check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        check_key = dg.AssetCheckKey(dg.AssetKey(list(spec.asset_key)), f"gx_{spec.suite_name}")
        previous_row_count = _last_passing_row_count(context.instance, check_key)
        outcome = run_gx_suite(
            spec.with_row_count_floor(previous_row_count), warehouse.sqlalchemy_url("wdp_engineer")
        )
        saved_to = _save_result(warehouse.server().settings.home, spec, outcome)
        return dg.AssetCheckResult(
            passed=outcome.passed,
            severity=severity,
            description=(
                "all expectations met" if outcome.passed else "failed: " + "; ".join(outcome.failed)
            ),
            metadata={
                "expectations_evaluated": outcome.evaluated,
                "expectations_failed": len(outcome.failed),
                "failed_expectations": dg.MetadataValue.json(list(outcome.failed)),
                "validation_result_path": dg.MetadataValue.path(str(saved_to)),
                "validations_page": dg.MetadataValue.path(str(saved_to.parents[2] / "index.html")),
                "row_count": outcome.row_count,
                "previous_passing_row_count": previous_row_count,
            },
        )

    return _gx_check


def _last_passing_row_count(
    instance: dg.DagsterInstance, check_key: dg.AssetCheckKey
) -> int | None:
    """`row_count` of the last passing evaluation of this check, from Dagster's event log."""
    for record in instance.event_log_storage.get_asset_check_execution_history(check_key, limit=20):
        event = record.event
        evaluation = (
            event.dagster_event.event_specific_data if event and event.dagster_event else None
        )
        if evaluation is None or not getattr(evaluation, "passed", False):
            continue
        row_count = evaluation.metadata.get("row_count")
        if row_count is not None and row_count.value is not None:
            return int(row_count.value)
    return None


def _save_result(home: Path, spec: GxSuiteSpec, outcome: GxOutcome) -> Path:
    folder = home / "gx" / "validations" / spec.suite_name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.json"
    path.write_text(json.dumps(outcome.result, indent=2, default=str))
    write_validation_index(home / "gx")
    return path


VALIDATIONS_KEPT_PER_SUITE = 30
_ROW_TEMPLATE = (
    "<tr class='{status}'><td>{suite}</td><td>{when}</td><td>{status}</td>"
    "<td>{evaluated}</td><td>{failed}</td><td><a href='{link}'>json</a></td></tr>"
)


def write_validation_index(gx_home: Path) -> Path:
    """`gx/index.html`: every suite's recent validations, newest first (our Data Docs).

    GX's own Data Docs need a file-backed context; the results are already kept
    as JSON, so one static page over them is enough to browse what failed.
    """
    rows = []
    for suite_folder in sorted((gx_home / "validations").glob("*")):
        results = sorted(suite_folder.glob("*.json"), reverse=True)
        for old in results[VALIDATIONS_KEPT_PER_SUITE:]:
            old.unlink(missing_ok=True)
        for result_path in results[:VALIDATIONS_KEPT_PER_SUITE]:
            result = json.loads(result_path.read_text())
            failed = [
                _describe(item["expectation_config"])
                for item in result.get("results", [])
                if not item.get("success")
            ]
            rows.append(
                _ROW_TEMPLATE.format(
                    status="passed" if result.get("success") else "failed",
                    suite=html.escape(suite_folder.name),
                    when=html.escape(result_path.stem),
                    evaluated=len(result.get("results", [])),
                    failed=html.escape("; ".join(failed)) or "&nbsp;",
                    link=html.escape(str(result_path.relative_to(gx_home))),
                )
            )
    page = (
        "<!doctype html><meta charset='utf-8'><title>Data quality validations</title>"
        "<style>body{font-family:sans-serif}td,th{padding:4px 8px;border-bottom:1px solid #ddd}"
        ".failed{background:#fde2e2}</style><h1>Great Expectations validations</h1>"
        "<table><tr><th>suite</th><th>validated at (UTC)</th><th>result</th>"
        "<th>expectations</th><th>failed</th><th>details</th></tr>" + "".join(rows) + "</table>"
    )
    index = gx_home / "index.html"
    index.write_text(page)
    return index


def _class_name(expectation_type: str) -> str:
    return "".join(part.capitalize() for part in expectation_type.split("_"))


def _describe(config: dict[str, Any]) -> str:
    kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
    return f"{config['type']}({', '.join(f'{k}={v!r}' for k, v in sorted(kwargs.items()))})"
