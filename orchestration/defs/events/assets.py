"""`raw_events/events`: daily event files into `raw_events.events`, one load per file.

Partitioned by the file's day (`YYYY-MM-DD.jsonl` = partition key): a run for a
partition loads that day's file; a run without a partition key (the nightly job,
`wdp run`) loads every file not yet loaded with its current content, oldest
first. Either way a file already loaded is skipped, so re-runs and backfills
are harmless. All logic is in `ingestion.events.segment`.
"""

import datetime as dt
from collections import Counter
from pathlib import Path

import dagster as dg

from ingestion.events.segment import (
    EventFileLoad,
    event_file_for,
    load_event_file,
    pending_event_files,
)
from orchestration.defs.quality.great_expectations import gx_suite_check
from orchestration.partitions import DAILY_PARTITIONS
from orchestration.resources import EventsLandingResource, KeyringResource, WarehouseResource

EXPECTATIONS_DIR = Path(__file__).parent / "expectations"

EVENT_FILE_PARTITIONS = DAILY_PARTITIONS
"""One partition per arrival day (UTC); today's file is a partition as soon as it lands."""


@dg.asset(
    key=["raw_events", "events"],
    group_name="events",
    kinds={"postgres"},
    partitions_def=EVENT_FILE_PARTITIONS,
    description=(
        "Segment-style product events (track, identify, page), deduplicated on messageId, "
        "identifiers encrypted, client_key for known users (ingestion.events.segment)."
    ),
)
def raw_events_events(
    context: dg.AssetExecutionContext,
    events_landing: EventsLandingResource,
    warehouse: WarehouseResource,
    keyring: KeyringResource,
) -> dg.MaterializeResult:
    folder = events_landing.folder()
    target = warehouse.connect("wdp_loader")
    try:
        if context.has_partition_key:
            path = event_file_for(folder, dt.date.fromisoformat(context.partition_key))
            if not path.is_file():
                context.log.warning(f"no event file for {context.partition_key} in {folder}")
                return dg.MaterializeResult(metadata=file_loads_metadata([], missing=[path.name]))
            paths = [path]
        else:
            paths = pending_event_files(folder, target)
        ring = keyring.load()  # once per run: loading also verifies it against the warehouse
        loads = [load_event_file(path, target, ring) for path in paths]
    finally:
        target.close()
    for load in loads:
        context.log.info(
            f"{load.file_name}: {'skipped (loaded before)' if load.is_skipped else 'loaded'}; "
            f"{load.rows_read} lines, {load.rows_inserted} new events, "
            f"{load.events_duplicate} duplicates, {load.rows_quarantined} quarantined"
        )
    return dg.MaterializeResult(metadata=file_loads_metadata(loads))


def file_loads_metadata(
    loads: list[EventFileLoad], missing: list[str] | None = None
) -> dict[str, dg.MetadataValue]:
    """The files of one run and their line counts, as Dagster metadata."""
    dropped = sum((load.dropped_unclassified_keys for load in loads), start=Counter())
    reasons = sum((load.quarantine_reasons for load in loads), start=Counter())
    return {
        "files_loaded": dg.MetadataValue.int(sum(not load.is_skipped for load in loads)),
        "files_skipped": dg.MetadataValue.int(sum(load.is_skipped for load in loads)),
        "files_missing": dg.MetadataValue.json(missing or []),
        "lines_read": dg.MetadataValue.int(sum(load.rows_read for load in loads)),
        "events_inserted": dg.MetadataValue.int(sum(load.rows_inserted for load in loads)),
        "events_duplicate": dg.MetadataValue.int(sum(load.events_duplicate for load in loads)),
        "lines_quarantined": dg.MetadataValue.int(sum(load.rows_quarantined for load in loads)),
        "quarantine_reasons": dg.MetadataValue.json(dict(reasons)),
        "dropped_unclassified_keys": dg.MetadataValue.json(dict(dropped)),
        "files": dg.MetadataValue.json(
            [
                {
                    "file_name": load.file_name,
                    "file_sha256": load.file_sha256,
                    "is_skipped": load.is_skipped,
                    "lines_read": load.rows_read,
                    "events_inserted": load.rows_inserted,
                    "lines_quarantined": load.rows_quarantined,
                }
                for load in loads
            ]
        ),
    }


raw_events_events_gx_check = gx_suite_check(EXPECTATIONS_DIR / "raw_events__events.yaml")

defs = dg.Definitions(
    assets=[raw_events_events],
    asset_checks=[raw_events_events_gx_check],
    resources={"events_landing": EventsLandingResource()},
)
