"""The application database's `clients`: their replication spec and row validation.

Replicated like every app table (`ingestion.app_db.replication`): direct
identifiers (privacy.classification) are envelope-encrypted with their column
as context, the SSN keeps only its last 4 in clear, and `client_key` is the
HMAC pseudonym. Rows that fail `validation_problem` are quarantined with a
reason; the rest load. Merging on `client_id` by `updated_at` makes re-runs no-ops.
"""

from __future__ import annotations

import re
from typing import Any

from psycopg2.extensions import connection as Connection

from ingestion.app_db.replication import AppTableSpec, replicate_table
from ingestion.load import LoadResult
from privacy import Keyring

# The 50 states, DC and Puerto Rico.
US_STATE_CODES = frozenset(
    {
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
    }
)
FILING_STATUSES = frozenset(
    {"single", "married_filing_jointly", "married_filing_separately", "head_of_household"}
)
_SSN_PATTERN = re.compile(r"^\d{3}-?\d{2}-?\d{4}$")


def load_clients(
    source: Connection, warehouse: Connection, keyring: Keyring, **options: Any
) -> LoadResult:
    """Replicate `clients` of `source` (the app database) into `raw_app.clients`.

    Incremental after the first run; `options` are those of `replicate_table`.
    """
    return replicate_table(CLIENTS, source, warehouse, keyring, **options)


def validation_problem(record: dict[str, Any]) -> str | None:
    """Why a source client row cannot be loaded, or None if it can."""
    if not record.get("client_id"):
        return "client_id is empty"
    for column in ("first_name", "last_name", "email", "ssn", "created_at", "updated_at"):
        if record.get(column) in (None, ""):
            return f"{column} is missing"
    if record.get("state") not in US_STATE_CODES:
        return f"state {record.get('state')!r} is not a US state code"
    if record.get("filing_status") not in FILING_STATUSES:
        return f"filing_status {record.get('filing_status')!r} is not a known filing status"
    if not _SSN_PATTERN.match(str(record["ssn"])):
        return "ssn is not nine digits"
    if "@" not in str(record["email"]):
        return "email has no @"
    income = record.get("annual_income_usd")
    if income is not None and income < 0:
        return "annual_income_usd is negative"
    return None


CLIENTS = AppTableSpec(
    source_table="clients",
    key_column="client_id",
    last4_columns=("ssn",),
    validate=validation_problem,
)
