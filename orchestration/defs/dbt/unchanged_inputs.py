"""Whether every dbt model was already built today from the inputs it would read now.

A nightly rerun of a day whose sources brought nothing new would rebuild every
model from the same rows: at 10,000 clients about 100 s of dbt and the mart
checks after it (docs/benchmarks.md). The first dbt step asks this module first
and, when nothing changed, builds nothing, so Dagster skips the steps after it
(the Tax-Calculator asset, the second dbt step, the mart checks) and the marts
keep the build that is still current.

"The inputs" are two things, recorded on every model's materialization
(`BuildInputs.metadata`) and compared with what they are now:
- the tables the models read: the manifest's sources with a model among their
  children, less those the build itself writes between its steps (the tax
  figures). Each is fingerprinted by Postgres's own write counters
  (`pg_stat_all_tables`: rows inserted, updated, deleted, and the file a
  TRUNCATE or rewrite replaces), which count every write, a loader's or
  anyone's, at no cost. Counters move forward only; a statistics reset (after a
  crash) changes them too, which costs one unneeded build, never a missed one.
  A source that is not a table (a view) has no counters: then nothing is skipped;
- the code that turns them into marts: the dbt project's files and the
  Tax-Calculator asset's, hashed.

A build more than a day old is never reused (models may read the date), and a
run tagged `wdp/refetch_and_rebuild` builds everything.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from warehouse_ddl.server import project_root

FINGERPRINT_KEY = "wdp/mart_inputs_fingerprint"
CODE_DIGEST_KEY = "wdp/mart_code_digest"

MART_CODE_PATHS = (
    "dbt_project/dbt_project.yml",
    "dbt_project/macros",
    "dbt_project/models",
    "dbt_project/seeds",
    "dbt_project/snapshots",
    "dbt_project/tests",
    "orchestration/defs/tax",
)
"""What decides the marts' contents besides the tables they read (relative to the project)."""

WRITE_COUNTERS_SQL = """
select schemaname, relname, n_tup_ins, n_tup_upd, n_tup_del, pg_relation_filenode(relid)
from pg_stat_all_tables
where (schemaname, relname) in %(tables)s
order by schemaname, relname
"""


@dataclass(frozen=True)
class BuildInputs:
    """What a build reads: its tables' write-counter fingerprint and its code digest."""

    tables_fingerprint: str | None  # None: some source has no counters (e.g. a view)
    code_digest: str

    @property
    def metadata(self) -> dict[str, dg.MetadataValue]:
        return {
            FINGERPRINT_KEY: dg.MetadataValue.text(self.tables_fingerprint or ""),
            CODE_DIGEST_KEY: dg.MetadataValue.text(self.code_digest),
        }


def tables_models_read(
    manifest: Mapping[str, Any], written_by_the_build: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """(schema, table) of every source a model reads, less `written_by_the_build`
    ((source name, table name) pairs)."""
    skipped = set(written_by_the_build)
    children = manifest.get("child_map", {})
    tables = set()
    for unique_id, source in manifest.get("sources", {}).items():
        if (source["source_name"], source["name"]) in skipped:
            continue
        if any(child.startswith("model.") for child in children.get(unique_id, [])):
            tables.add((source["schema"], source.get("identifier") or source["name"]))
    return sorted(tables)


def tables_fingerprint(connection: Any, tables: list[tuple[str, str]]) -> str | None:
    """A hash of the tables' write counters; None when a table has none (not a table)."""
    if not tables:
        return hashlib.sha256(b"").hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(WRITE_COUNTERS_SQL, {"tables": tuple(tables)})
        counters = cursor.fetchall()
    connection.rollback()
    if len(counters) != len(tables):
        return None
    return hashlib.sha256(json.dumps(counters, default=str).encode()).hexdigest()


@functools.cache
def mart_code_digest(root: Path | None = None) -> str:
    """SHA-256 over the path and bytes of every file in `MART_CODE_PATHS` (once per process)."""
    root = root or project_root()
    digest = hashlib.sha256()
    for relative in MART_CODE_PATHS:
        top = root / relative
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def last_build_still_current(
    instance: dg.DagsterInstance,
    asset_keys: Iterable[dg.AssetKey],
    inputs: BuildInputs,
    now: dt.datetime,
) -> str | None:
    """Why no model needs building (one sentence), or None when some model does:
    every one of `asset_keys` was last materialized today (UTC) from these inputs."""
    if inputs.tables_fingerprint is None:
        return None
    keys = list(asset_keys)
    latest = instance.get_latest_materialization_events(keys)
    oldest: dt.datetime | None = None
    for key in keys:
        event = latest.get(key)
        if event is None or event.asset_materialization is None:
            return None
        metadata = event.asset_materialization.metadata
        recorded = (metadata.get(FINGERPRINT_KEY), metadata.get(CODE_DIGEST_KEY))
        if recorded != (
            dg.MetadataValue.text(inputs.tables_fingerprint),
            dg.MetadataValue.text(inputs.code_digest),
        ):
            return None
        built_at = dt.datetime.fromtimestamp(event.timestamp, dt.UTC)
        if built_at.date() != now.date():
            return None
        oldest = built_at if oldest is None else min(oldest, built_at)
    if oldest is None:
        return None
    return (
        f"all {len(keys)} models were built today (the oldest at {oldest:%H:%M:%S} UTC) from "
        "the same tables and code; nothing to build"
    )
