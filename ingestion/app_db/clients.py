"""Loads the application database's `clients` into `raw_app.clients`, PII encrypted.

Direct identifiers (privacy.classification) are envelope-encrypted with their
column as context, the SSN keeps only its last 4 in clear, and `client_key` is
the HMAC pseudonym. Rows that fail validation are quarantined with a reason;
the rest load. Merging on `client_id` by `updated_at` makes re-runs no-ops.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from importlib.resources import files
from typing import Any

from psycopg2.extensions import connection as Connection

from ingestion.load import (
    LoadResult,
    RejectedRecord,
    copy_merge,
    new_load_id,
    quarantine,
    record_load_end,
    record_load_start,
)
from privacy import EnvelopeCipher, Keyring, client_key, direct_identifiers, last4

SOURCE_NAME = "app.clients"
TARGET_TABLE = "raw_app.clients"
FETCH_BATCH_ROWS = 5_000

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

_ENCRYPTED_COLUMNS = direct_identifiers(SOURCE_NAME)
TARGET_COLUMNS = (
    "client_id",
    "client_key",
    *(f"{column}_encrypted" for column in _ENCRYPTED_COLUMNS),
    "ssn_last4",
    "state",
    "filing_status",
    "annual_income_usd",
    "employer_name",
    "signup_channel",
    "created_at",
    "updated_at",
    "deleted_at",
    "_load_id",
    "_loaded_at",
)


def load_clients(source: Connection, warehouse: Connection, keyring: Keyring) -> LoadResult:
    """Copy every client of `source` (the app database) into `raw_app.clients`."""
    cipher = EnvelopeCipher(keyring)
    result = LoadResult(load_id=new_load_id(), source_name=SOURCE_NAME, target_table=TARGET_TABLE)
    record_load_start(warehouse, result)
    loaded_at = datetime.now(UTC)
    rejected: list[RejectedRecord] = []

    def accepted_rows() -> Iterator[tuple[Any, ...]]:
        for record in _read_source(source):
            result.rows_read += 1
            reason = validation_problem(record)
            if reason:
                rejected.append(RejectedRecord(str(record.get("client_id") or "?"), reason, record))
                continue
            yield _to_raw_row(record, cipher, keyring.pepper, result, loaded_at)

    try:
        counts = copy_merge(
            warehouse,
            target_table=TARGET_TABLE,
            columns=TARGET_COLUMNS,
            key_columns=("client_id",),
            rows=accepted_rows(),
            change_column="updated_at",
        )
        result.rows_inserted, result.rows_updated = counts.inserted, counts.updated
        result.rows_quarantined = quarantine(
            warehouse, cipher, load_id=result.load_id, source_name=SOURCE_NAME, records=rejected
        )
        result.quarantine_reasons.update(record.quarantine_reason for record in rejected)
        record_load_end(warehouse, result, "succeeded")
        warehouse.commit()
    except BaseException:
        warehouse.rollback()
        record_load_end(warehouse, result, "failed")
        warehouse.commit()
        raise
    return result


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


def _read_source(source: Connection) -> Iterator[dict[str, Any]]:
    query = files("ingestion.app_db").joinpath("sql/select_clients.sql").read_text()
    # A named (server-side) cursor streams the table instead of holding it in memory.
    with source.cursor(name="read_app_clients") as cursor:
        cursor.itersize = FETCH_BATCH_ROWS
        cursor.execute(query)
        names: list[str] = []
        for row in cursor:
            # A named cursor knows its columns only once the first batch arrived.
            names = names or [column.name for column in cursor.description]
            yield dict(zip(names, row, strict=True))
    source.rollback()


def _to_raw_row(
    record: dict[str, Any],
    cipher: EnvelopeCipher,
    pepper: bytes,
    result: LoadResult,
    loaded_at: datetime,
) -> tuple[Any, ...]:
    encrypted = [
        cipher.encrypt(_as_text(record[column]), f"{TARGET_TABLE}.{column}")
        for column in _ENCRYPTED_COLUMNS
    ]
    return (
        record["client_id"],
        client_key(pepper, record["client_id"]),
        *encrypted,
        last4(str(record["ssn"])),
        record["state"],
        record["filing_status"],
        record["annual_income_usd"],
        record["employer_name"],
        record["signup_channel"],
        record["created_at"],
        record["updated_at"],
        record["deleted_at"],
        str(result.load_id),
        loaded_at,
    )


def _as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
