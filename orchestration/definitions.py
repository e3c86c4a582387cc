"""The code location: merges the per-domain definitions and nothing else (STYLE habit 1)."""

import dagster as dg

from orchestration.defs.app_db.assets import defs as app_db_defs
from orchestration.defs.dbt.assets import defs as dbt_defs
from orchestration.defs.documents.assets import defs as documents_defs
from orchestration.defs.events.assets import defs as events_defs
from orchestration.defs.jobs import defs as job_defs
from orchestration.defs.operations import defs as operations_defs
from orchestration.defs.plaid.assets import defs as plaid_defs
from orchestration.defs.tax.assets import defs as tax_defs
from orchestration.resources import AppDatabaseResource, KeyringResource, WarehouseResource

shared_resources = dg.Definitions(
    resources={
        "warehouse": WarehouseResource(),
        "keyring": KeyringResource(),
        "app_database": AppDatabaseResource(),
    }
)

defs = dg.Definitions.merge(
    shared_resources,
    app_db_defs,
    events_defs,
    plaid_defs,
    documents_defs,
    dbt_defs,
    tax_defs,
    job_defs,
    operations_defs,
)
