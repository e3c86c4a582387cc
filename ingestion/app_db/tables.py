"""Every table of the application database that is replicated into `raw_app`, one spec each.

Adding a table takes a spec here, its classification in `privacy.classification`,
its query in `sql/select_<table>.sql` and its raw table in a migration.
"""

from __future__ import annotations

from ingestion.app_db.clients import CLIENTS
from ingestion.app_db.replication import AppTableSpec

ADVISORS = AppTableSpec(source_table="advisors", key_column="advisor_id", client_id_column=None)
CONCIERGES = AppTableSpec(
    source_table="concierges", key_column="concierge_id", client_id_column=None
)
CONCIERGE_ASSIGNMENTS = AppTableSpec(
    source_table="concierge_assignments", key_column="assignment_id"
)
APPOINTMENTS = AppTableSpec(source_table="appointments", key_column="appointment_id")
GOALS = AppTableSpec(source_table="goals", key_column="goal_id")
MANUAL_ASSETS = AppTableSpec(source_table="manual_assets", key_column="asset_id")
PLAID_ITEMS = AppTableSpec(source_table="plaid_items", key_column="item_id")
DOCUMENT_UPLOADS = AppTableSpec(source_table="document_uploads", key_column="upload_id")

APP_TABLES: tuple[AppTableSpec, ...] = (
    CLIENTS,
    ADVISORS,
    CONCIERGES,
    CONCIERGE_ASSIGNMENTS,
    APPOINTMENTS,
    GOALS,
    MANUAL_ASSETS,
    PLAID_ITEMS,
    DOCUMENT_UPLOADS,
)
"""In dependency order of the source's foreign keys (parents first)."""


def app_table(source_table: str) -> AppTableSpec:
    """The spec of `source_table`; a clear error for a table nobody declared."""
    for spec in APP_TABLES:
        if spec.source_table == source_table:
            return spec
    raise KeyError(
        f"No replication spec for app table {source_table!r}; declare it in "
        "ingestion/app_db/tables.py."
    )
