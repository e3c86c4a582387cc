"""`raw_documents/*`: landed documents archived, parsed and loaded; a sensor for new files.

One multi-asset materializes every `raw_documents` table, because one pass over
the landing area writes them together (file record, typed forms, quarantine).
The sensor lists the landing area and requests a run of the `documents` job
when files wait there; its run key is the listing, so an unchanged listing
(e.g. a file that cannot be archived yet) is not requested twice.
All logic is in `ingestion.documents`; settings are read when a run starts.
"""

import hashlib
import os
from pathlib import Path

import dagster as dg

from ingestion.documents.archive import DocumentArchive, LandingArea
from ingestion.documents.loader import TABLES, DocumentsLoad, load_landed_documents
from orchestration.defs.quality.great_expectations import gx_suite_check
from orchestration.resources import AppDatabaseResource, KeyringResource, WarehouseResource
from privacy import EnvelopeCipher
from warehouse_ddl import Warehouse

EXPECTATIONS_DIR = Path(__file__).parent / "expectations"


class DocumentsLandingResource(dg.ConfigurableResource):
    """Where documents land and where their encrypted originals are archived.

    `WDP_LANDING_URL` (a path or any fsspec URL, e.g. `s3://bucket/landing`) names
    the landing area; without it the demo world's `WDP_HOME/sandbox/documents/landing`
    is read. The archive is `WDP_HOME/documents/archive`. Resolved at run time.
    """

    def landing_url(self) -> str:
        configured = os.environ.get("WDP_LANDING_URL")
        if configured:
            return configured
        return str(Warehouse.from_env().settings.home / "sandbox" / "documents" / "landing")

    def archive_url(self) -> str:
        return str(Warehouse.from_env().settings.home / "documents" / "archive")


def _asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=_asset_key(table),
            group_name="documents",
            kinds={"postgres"},
            description=(
                f"{table}: landed equity and tax documents, archived encrypted by sha256 and "
                "parsed (ingestion.documents); broken files in quarantine with a reason."
            ),
        )
        for table in TABLES
    ],
    can_subset=False,
)
def raw_documents(
    context: dg.AssetExecutionContext,
    documents_landing: DocumentsLandingResource,
    warehouse: WarehouseResource,
    keyring: KeyringResource,
    app_database: AppDatabaseResource,
):
    loaded_keyring = keyring.load()
    landing = LandingArea(documents_landing.landing_url())
    archive = DocumentArchive(documents_landing.archive_url(), EnvelopeCipher(loaded_keyring))
    target = warehouse.connect("wdp_loader")
    source = app_database.connect()
    try:
        load = load_landed_documents(landing, archive, target, source, loaded_keyring)
    finally:
        source.close()
        target.close()
    context.log.info(
        f"documents: {load.files_seen} seen, {load.files_archived} archived, "
        f"{load.files_parsed} parsed, {load.files_skipped_seen_before} skipped as seen before, "
        f"{load.files_quarantined} quarantined, {load.files_failed} failed"
    )
    metadata = documents_load_metadata(load)
    for table in TABLES:
        yield dg.MaterializeResult(
            asset_key=_asset_key(table),
            metadata={**metadata, "rows_inserted": dg.MetadataValue.int(load.rows_by_table[table])},
        )


def documents_load_metadata(load: DocumentsLoad) -> dict[str, dg.MetadataValue]:
    """Counts of one run (files by outcome, quarantine reasons by code): never names or values."""
    return {
        "load_id": dg.MetadataValue.text(str(load.load_id)),
        "files_seen": dg.MetadataValue.int(load.files_seen),
        "files_archived": dg.MetadataValue.int(load.files_archived),
        "files_parsed": dg.MetadataValue.int(load.files_parsed),
        "files_skipped_seen_before": dg.MetadataValue.int(load.files_skipped_seen_before),
        "files_quarantined": dg.MetadataValue.int(load.files_quarantined),
        "files_failed": dg.MetadataValue.int(load.files_failed),
        "quarantined_by_reason": dg.MetadataValue.json(dict(load.quarantine_reasons)),
        "forms_by_type": dg.MetadataValue.json(dict(load.forms_by_type)),
    }


documents_job = dg.define_asset_job(
    name="documents",
    selection=dg.AssetSelection.assets(*(_asset_key(table) for table in TABLES)),
    description="Archive, parse and load the documents waiting in the landing area.",
)


@dg.sensor(
    job=documents_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests a documents run when files wait in the landing area (WDP_LANDING_URL).",
)
def documents_landing_sensor(context: dg.SensorEvaluationContext):
    landing = LandingArea(DocumentsLandingResource().landing_url())
    waiting = landing.files()
    if not waiting:
        return dg.SkipReason("no document waiting in the landing area")
    listing = "\n".join(
        f"{file.name}\t{file.size_bytes}\t{file.modified_at}" for file in waiting
    ).encode()
    return dg.RunRequest(
        run_key=hashlib.sha256(listing).hexdigest(),
        tags={"wdp/documents_waiting": str(len(waiting))},
    )


documents_gx_checks = [
    gx_suite_check(path) for path in sorted(EXPECTATIONS_DIR.glob("raw_documents__*.yaml"))
]

defs = dg.Definitions(
    assets=[raw_documents],
    asset_checks=documents_gx_checks,
    jobs=[documents_job],
    sensors=[documents_landing_sensor],
    resources={"documents_landing": DocumentsLandingResource()},
)
