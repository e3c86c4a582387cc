"""`raw_app/*` assets: one thin wrapper per app table around `ingestion.app_db.replication`.

Each table of `ingestion.app_db.tables.APP_TABLES` becomes an asset
`raw_app/<table>` with a blocking Great Expectations check declared in
`expectations/raw_app__<table>.yaml`. The run metadata shows what moved.
"""

from pathlib import Path

import dagster as dg

from ingestion.app_db.replication import AppTableSpec, replicate_table
from ingestion.app_db.tables import APP_TABLES
from ingestion.load import LoadResult
from orchestration.defs.quality.great_expectations import gx_suite_check
from orchestration.resources import AppDatabaseResource, KeyringResource, WarehouseResource

EXPECTATIONS_DIR = Path(__file__).parent / "expectations"


def replication_asset(spec: AppTableSpec) -> dg.AssetsDefinition:
    """The asset that replicates `spec`'s table incrementally into `raw_app`."""

    @dg.asset(
        key=["raw_app", spec.source_table],
        group_name="app_db",
        kinds={"postgres"},
        description=(
            f"`{spec.source_table}` of the application database, replicated incrementally by "
            f"`{spec.change_column}` with deletes detected by key; PII encrypted "
            "(ingestion.app_db.replication)."
        ),
    )
    def _replicate(
        context: dg.AssetExecutionContext,
        app_database: AppDatabaseResource,
        warehouse: WarehouseResource,
        keyring: KeyringResource,
    ) -> dg.MaterializeResult:
        source = app_database.connect()
        target = warehouse.connect("wdp_loader")
        try:
            result = replicate_table(spec, source, target, keyring.load())
        finally:
            source.close()
            target.close()
        context.log.info(
            f"{spec.target_table}: {'full' if result.is_full_read else 'incremental'} read of "
            f"{result.rows_read} rows; inserted {result.rows_inserted}, updated "
            f"{result.rows_updated}, marked deleted {result.rows_deleted}, quarantined "
            f"{result.rows_quarantined}"
        )
        return dg.MaterializeResult(metadata=load_metadata(result))

    return _replicate


def load_metadata(result: LoadResult) -> dict[str, dg.MetadataValue]:
    """A loader's result as Dagster metadata (shown on the asset's page)."""
    return {
        "load_id": dg.MetadataValue.text(str(result.load_id)),
        "read_mode": dg.MetadataValue.text("full" if result.is_full_read else "incremental"),
        "previous_watermark": dg.MetadataValue.text(result.previous_watermark or "none"),
        "new_watermark": dg.MetadataValue.text(result.new_watermark or "none"),
        "rows_read": dg.MetadataValue.int(result.rows_read),
        "rows_moved": dg.MetadataValue.int(result.rows_moved),
        "rows_inserted": dg.MetadataValue.int(result.rows_inserted),
        "rows_updated": dg.MetadataValue.int(result.rows_updated),
        "rows_deleted": dg.MetadataValue.int(result.rows_deleted),
        "rows_restored": dg.MetadataValue.int(result.rows_restored),
        "rows_unchanged": dg.MetadataValue.int(result.rows_unchanged),
        "rows_quarantined": dg.MetadataValue.int(result.rows_quarantined),
        "quarantine_reasons": dg.MetadataValue.json(dict(result.quarantine_reasons)),
    }


replication_assets = [replication_asset(spec) for spec in APP_TABLES]
replication_checks = [
    gx_suite_check(EXPECTATIONS_DIR / f"raw_app__{spec.source_table}.yaml") for spec in APP_TABLES
]

defs = dg.Definitions(assets=replication_assets, asset_checks=replication_checks)
