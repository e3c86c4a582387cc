"""PII classification of source columns: declared once, used by loaders, dbt docs and tests.

Classes (DESIGN §4):
- `direct_identifier`: names, emails, phones, addresses, dates of birth, SSN/TIN,
  full account numbers, access tokens. Encrypted in the loader, never in clear.
- `quasi_identifier`: kept in clear for analytics but never shown with identity
  (state, employer).
- `financial`: amounts and attributes of money; not identifying alone.
- `operational`: ids, timestamps, codes.
"""

from __future__ import annotations

from enum import StrEnum


class PiiClass(StrEnum):
    DIRECT_IDENTIFIER = "direct_identifier"
    QUASI_IDENTIFIER = "quasi_identifier"
    FINANCIAL = "financial"
    OPERATIONAL = "operational"


SOURCE_COLUMN_CLASSES: dict[str, dict[str, PiiClass]] = {
    "app.clients": {
        "client_id": PiiClass.OPERATIONAL,
        "first_name": PiiClass.DIRECT_IDENTIFIER,
        "last_name": PiiClass.DIRECT_IDENTIFIER,
        "email": PiiClass.DIRECT_IDENTIFIER,
        "phone": PiiClass.DIRECT_IDENTIFIER,
        "date_of_birth": PiiClass.DIRECT_IDENTIFIER,
        "ssn": PiiClass.DIRECT_IDENTIFIER,
        "street_address": PiiClass.DIRECT_IDENTIFIER,
        "city": PiiClass.DIRECT_IDENTIFIER,
        "postal_code": PiiClass.DIRECT_IDENTIFIER,
        "state": PiiClass.QUASI_IDENTIFIER,
        "filing_status": PiiClass.FINANCIAL,
        "annual_income_usd": PiiClass.FINANCIAL,
        "employer_name": PiiClass.QUASI_IDENTIFIER,
        "signup_channel": PiiClass.OPERATIONAL,
        "created_at": PiiClass.OPERATIONAL,
        "updated_at": PiiClass.OPERATIONAL,
        "deleted_at": PiiClass.OPERATIONAL,
    },
}


def direct_identifiers(source_table: str) -> tuple[str, ...]:
    """Columns of `source_table` that loaders must encrypt."""
    return tuple(
        column
        for column, pii_class in SOURCE_COLUMN_CLASSES[source_table].items()
        if pii_class is PiiClass.DIRECT_IDENTIFIER
    )
