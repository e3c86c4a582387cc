"""Which dbt nodes a nightly run must build: the ones whose inputs changed since their last build.

A second `wdp run` with nothing new used to rebuild every model and run every
test. Each dbt step of the nightly (the models before the Tax-Calculator asset
and the ones after it, see assets.py) now records, after a fully successful
build, what it built from (`audit.dbt_build_states`):

- the version of every dbt source table (orchestration/defs/quality/table_versions.py:
  row count and the transaction ids of its tuples: any write changes it),
- a digest of the dbt project's files, and the warehouse's `current_date`.

The next run compares. A different project digest (a deploy, a seed edited), a
new day (models may read the clock) or no recorded build at all: everything is
built, as before. Otherwise only the models, seeds and snapshots downstream of
a source whose version differs are built, with every test that touches one of
them (a relationships test runs if either side was rebuilt); the rest are
excluded from `dbt build`. Nothing changed: dbt is not started, the step yields
no materialization, and Dagster skips what reads the models (the marts' Great
Expectations suites, the Tax-Calculator asset).

A failed build records nothing, so the next run selects the same nodes again
plus whatever changed since. Versions are read before dbt starts, so a write
that lands during the build is seen as a change by the next run.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from psycopg2.extensions import connection as Connection

from orchestration.defs.quality.table_versions import table_versions

SQL_DIR = Path(__file__).parent / "sql"
_PROJECT_FOLDERS = ("models", "macros", "seeds", "snapshots", "tests", "analyses")
_BUILT_TYPES = ("model", "seed", "snapshot")


def sql_text(name: str) -> str:
    return (SQL_DIR / name).read_text()


@dataclass(frozen=True)
class BuildState:
    """What a dbt step built from, or would build from now."""

    dbt_project_sha256: str
    build_date: date
    source_versions: Mapping[str, str | None]


@dataclass(frozen=True)
class BuildPlan:
    """The nodes of one dbt step to build now, and why."""

    build_all: bool
    reason: str
    changed_sources: tuple[str, ...] = ()
    rebuild: frozenset[str] = field(default_factory=frozenset)
    """unique ids of the models, seeds and snapshots to build (all of the step's if build_all)."""
    excluded: frozenset[str] = field(default_factory=frozenset)
    """unique ids of the step's nodes (tests included) left out of `dbt build`."""

    @property
    def is_empty(self) -> bool:
        return not self.build_all and not self.rebuild


def dbt_project_sha256(project_dir: Path) -> str:
    """A digest of every file dbt reads to build (the project and its profile)."""
    digest = hashlib.sha256()
    paths = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in _PROJECT_FOLDERS:
        paths.extend(sorted((project_dir / folder).rglob("*")))
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(project_dir)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def descendants(manifest: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    """Every node reachable from `roots` through the manifest's child map (roots excluded)."""
    child_map = manifest["child_map"]
    found: set[str] = set()
    pending = list(roots)
    while pending:
        for child in child_map.get(pending.pop(), ()):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def upstream_sources(manifest: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """For every node, the dbt sources it reads, directly or through other nodes."""
    parent_map = manifest["parent_map"]
    memo: dict[str, frozenset[str]] = {}

    def visit(unique_id: str) -> frozenset[str]:
        if unique_id not in memo:
            memo[unique_id] = frozenset()  # a cycle cannot occur in dbt; guards recursion anyway
            found: set[str] = set()
            for parent in parent_map.get(unique_id, ()):
                if parent.startswith("source."):
                    found.add(parent)
                else:
                    found |= visit(parent)
            memo[unique_id] = frozenset(found)
        return memo[unique_id]

    for unique_id in parent_map:
        visit(unique_id)
    return memo


def source_tables(manifest: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """`{source unique id: (schema, table)}` of every dbt source."""
    return {
        unique_id: (source["schema"], source.get("identifier") or source["name"])
        for unique_id, source in manifest["sources"].items()
    }


def read_source_versions(connection: Connection, manifest: Mapping[str, Any]) -> dict[str, str]:
    """`{source unique id: version}` of every dbt source table, read now."""
    tables = source_tables(manifest)
    versions = table_versions(connection, tables.values())
    return {
        unique_id: versions[f"{schema}.{table}"] for unique_id, (schema, table) in tables.items()
    }


def plan_build(
    manifest: Mapping[str, Any],
    step_nodes: set[str],
    current: BuildState,
    previous: BuildState | None,
) -> BuildPlan:
    """Which of `step_nodes` to build, given what the step last built from."""
    if previous is None:
        return BuildPlan(True, "no successful build of this step recorded")
    if previous.dbt_project_sha256 != current.dbt_project_sha256:
        return BuildPlan(True, "the dbt project changed since the last build")
    if previous.build_date != current.build_date:
        return BuildPlan(
            True, f"a new day ({current.build_date}; last build {previous.build_date})"
        )
    changed = tuple(
        sorted(
            source
            for source in set(current.source_versions) | set(previous.source_versions)
            if current.source_versions.get(source) != previous.source_versions.get(source)
            or current.source_versions.get(source) is None
        )
    )
    sources_of = upstream_sources(manifest)
    rebuild = frozenset(
        node
        for node in step_nodes
        if _resource_type(node) in _BUILT_TYPES and sources_of.get(node, frozenset()) & set(changed)
    )
    # Tests of a changed source itself run too (their parent is the source).
    kept = set(rebuild) | _tests_touching(manifest, step_nodes, rebuild | set(changed))
    reason = (
        f"sources changed since the last build: {', '.join(changed)}"
        if changed
        else "no source changed since the last build"
    )
    return BuildPlan(
        False,
        reason,
        changed_sources=changed,
        rebuild=rebuild,
        excluded=frozenset(step_nodes - kept),
    )


def with_forced(plan: BuildPlan, manifest: Mapping[str, Any], forced: set[str]) -> BuildPlan:
    """`plan` plus the nodes of `forced` (and the tests that touch them), with a reason."""
    if plan.build_all or forced <= plan.rebuild:
        return plan
    rebuild = plan.rebuild | forced
    excluded = (
        plan.excluded
        - rebuild
        - _tests_touching(manifest, plan.excluded, rebuild | set(plan.changed_sources))
    )
    return BuildPlan(
        False,
        plan.reason + "; also the models that assets outside this step read, as those must run",
        changed_sources=plan.changed_sources,
        rebuild=frozenset(rebuild),
        excluded=frozenset(excluded),
    )


def _resource_type(unique_id: str) -> str:
    return unique_id.split(".", 1)[0]


def _tests_touching(
    manifest: Mapping[str, Any], candidates: Iterable[str], built: Iterable[str]
) -> set[str]:
    """The tests and unit tests among `candidates` that read at least one node of `built`."""
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    built = set(built)
    return {
        node
        for node in candidates
        if _resource_type(node) in ("test", "unit_test")
        and built.intersection(nodes.get(node, {}).get("depends_on", {}).get("nodes", []))
    }


def fqn_selectors(manifest: Mapping[str, Any], unique_ids: Iterable[str]) -> list[str]:
    """dbt selectors (fully qualified names, `project.folder.name`) of the given nodes.

    A model's fqn is a prefix of its unit tests' fqns, so selecting or excluding a
    model does the same to its unit tests: they run if and only if it is built.
    """
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    return sorted(".".join(nodes[node]["fqn"]) for node in unique_ids if node in nodes)


# -- the recorded state ------------------------------------------------------------------------


def read_build_state(connection: Connection, dbt_step: str) -> BuildState | None:
    with connection.cursor() as cursor:
        cursor.execute(sql_text("select_dbt_build_state.sql"), {"dbt_step": dbt_step})
        row = cursor.fetchone()
    connection.rollback()
    if row is None:
        return None
    project_sha256, build_date, source_versions = row
    return BuildState(project_sha256, build_date, source_versions)


def warehouse_date(connection: Connection) -> date:
    with connection.cursor() as cursor:
        cursor.execute("select current_date")
        (today,) = cursor.fetchone()
    connection.rollback()
    return today


def record_build_state(
    connection: Connection, dbt_step: str, state: BuildState, dagster_run_id: str
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            sql_text("upsert_dbt_build_state.sql"),
            {
                "dbt_step": dbt_step,
                "dbt_project_sha256": state.dbt_project_sha256,
                "build_date": state.build_date,
                "source_versions": json.dumps(dict(state.source_versions), sort_keys=True),
                "dagster_run_id": dagster_run_id,
            },
        )
    connection.commit()
