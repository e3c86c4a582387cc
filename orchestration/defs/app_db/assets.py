"""`raw_app/*` assets: thin wrappers around the loaders of `ingestion.app_db`."""

from pathlib import Path

import dagster as dg

from ingestion.app_db.clients import load_clients
from ingestion.load import LoadResult
from orchestration.defs.quality.great_expectations import gx_suite_check
from orchestration.resources import AppDatabaseResource, KeyringResource, WarehouseResource

EXPECTATIONS_DIR = Path(__file__).parent / "expectations"


@dg.asset(
    key=["raw_app", "clients"],
    group_name="app_db",
    kinds={"postgres"},
    description="Clients of the application database, PII encrypted (ingestion.app_db.clients).",
)
def raw_app_clients(
    context: dg.AssetExecutionContext,
    app_database: AppDatabaseResource,
    warehouse: WarehouseResource,
    keyring: KeyringResource,
) -> dg.MaterializeResult:
    source = app_database.connect()
    target = warehouse.connect("wdp_loader")
    try:
        result = load_clients(source, target, keyring.load())
    finally:
        source.close()
        target.close()
    context.log.info(
        f"raw_app.clients: read {result.rows_read}, inserted {result.rows_inserted}, "
        f"updated {result.rows_updated}, quarantined {result.rows_quarantined}"
    )
    return dg.MaterializeResult(metadata=load_metadata(result))


def load_metadata(result: LoadResult) -> dict[str, dg.MetadataValue]:
    """A loader's result as Dagster metadata (shown on the asset's page)."""
    return {
        "load_id": dg.MetadataValue.text(str(result.load_id)),
        "rows_read": dg.MetadataValue.int(result.rows_read),
        "rows_inserted": dg.MetadataValue.int(result.rows_inserted),
        "rows_updated": dg.MetadataValue.int(result.rows_updated),
        "rows_unchanged": dg.MetadataValue.int(result.rows_unchanged),
        "rows_quarantined": dg.MetadataValue.int(result.rows_quarantined),
        "quarantine_reasons": dg.MetadataValue.json(dict(result.quarantine_reasons)),
    }


raw_app_clients_gx_check = gx_suite_check(EXPECTATIONS_DIR / "raw_app__clients.yaml")

defs = dg.Definitions(assets=[raw_app_clients], asset_checks=[raw_app_clients_gx_check])
