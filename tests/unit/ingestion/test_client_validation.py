"""Validation of source client rows: each problem gets a reason a person can act on."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ingestion.app_db.clients import validation_problem


def good_client(**changes: Any) -> dict[str, Any]:
    client = {
        "client_id": "cl_000001",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "+1 555 0100",
        "ssn": "123-45-6789",
        "state": "NY",
        "filing_status": "single",
        "annual_income_usd": Decimal("180000.00"),
        "created_at": datetime(2025, 1, 1, tzinfo=UTC),
        "updated_at": datetime(2025, 1, 2, tzinfo=UTC),
    }
    return {**client, **changes}


def test_a_good_row_passes() -> None:
    assert validation_problem(good_client()) is None


@pytest.mark.parametrize(
    ("changes", "reason_fragment"),
    [
        ({"client_id": ""}, "client_id is empty"),
        ({"email": None}, "email is missing"),
        ({"state": "ZZ"}, "not a US state code"),
        ({"filing_status": "married"}, "not a known filing status"),
        ({"ssn": "12-345"}, "ssn is not nine digits"),
        ({"email": "ada.example.com"}, "email has no @"),
        ({"annual_income_usd": Decimal("-1")}, "negative"),
    ],
)
def test_bad_rows_get_a_reason(changes: dict[str, Any], reason_fragment: str) -> None:
    reason = validation_problem(good_client(**changes))
    assert reason is not None and reason_fragment in reason
