"""PII classification of source columns: declared once, used by loaders, dbt docs and tests.

Classes (DESIGN §4):
- `direct_identifier`: names, emails, phones, addresses, dates of birth, SSN/TIN,
  full account numbers, access tokens. Encrypted in the loader, never in clear.
- `quasi_identifier`: kept in clear for analytics but never shown with identity
  (state, employer).
- `financial`: amounts and attributes of money; not identifying alone.
- `operational`: ids, timestamps, codes.

Keys are source tables (`app.<table>`, in the order the loaders read their
columns) and, for product events, the JSON documents of a message
(`events.properties`, `events.context`, `events.traits`): inside those, a key
that is not classified here is dropped by the loader until someone classifies it.
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
    "app.advisors": {
        "advisor_id": PiiClass.OPERATIONAL,
        "first_name": PiiClass.DIRECT_IDENTIFIER,
        "last_name": PiiClass.DIRECT_IDENTIFIER,
        "advisor_type": PiiClass.OPERATIONAL,
        "licensed_states": PiiClass.OPERATIONAL,
        "capacity_clients": PiiClass.OPERATIONAL,
        "is_accepting_clients": PiiClass.OPERATIONAL,
        "created_at": PiiClass.OPERATIONAL,
        "updated_at": PiiClass.OPERATIONAL,
        "deleted_at": PiiClass.OPERATIONAL,
    },
    "app.concierges": {
        "concierge_id": PiiClass.OPERATIONAL,
        "first_name": PiiClass.DIRECT_IDENTIFIER,
        "last_name": PiiClass.DIRECT_IDENTIFIER,
        "email": PiiClass.DIRECT_IDENTIFIER,
        "created_at": PiiClass.OPERATIONAL,
        "updated_at": PiiClass.OPERATIONAL,
        "deleted_at": PiiClass.OPERATIONAL,
    },
    "app.concierge_assignments": {
        "assignment_id": PiiClass.OPERATIONAL,
        "client_id": PiiClass.OPERATIONAL,
        "concierge_id": PiiClass.OPERATIONAL,
        "assigned_at": PiiClass.OPERATIONAL,
        "unassigned_at": PiiClass.OPERATIONAL,
        "updated_at": PiiClass.OPERATIONAL,
    },
    "app.appointments": {
        "appointment_id": PiiClass.OPERATIONAL,
        "client_id": PiiClass.OPERATIONAL,
        "advisor_id": PiiClass.OPERATIONAL,
        "concierge_id": PiiClass.OPERATIONAL,
        "appointment_type": PiiClass.OPERATIONAL,
        "status": PiiClass.OPERATIONAL,
        "scheduled_for": PiiClass.OPERATIONAL,
        "duration_minutes": PiiClass.OPERATIONAL,
        "created_at": PiiClass.OPERATIONAL,
        "updated_at": PiiClass.OPERATIONAL,
        "deleted_at": PiiClass.OPERATIONAL,
    },
    "app.goals": {
        "goal_id": PiiClass.OPERATIONAL,
        "client_id": PiiClass.OPERATIONAL,
        "goal_type": PiiClass.FINANCIAL,
        "target_amount_usd": PiiClass.FINANCIAL,
        "target_date": PiiClass.FINANCIAL,
        "status": PiiClass.OPERATIONAL,
        "created_at": PiiClass.OPERATIONAL,
        "updated_at": PiiClass.OPERATIONAL,
        "deleted_at": PiiClass.OPERATIONAL,
    },
    "app.manual_assets": {
        "asset_id": PiiClass.OPERATIONAL,
        "client_id": PiiClass.OPERATIONAL,
        "asset_type": PiiClass.FINANCIAL,
        # Free text typed by the client ("Home at 12 Elm St"): treated as an identifier.
        "description": PiiClass.DIRECT_IDENTIFIER,
        "value_usd": PiiClass.FINANCIAL,
        "created_at": PiiClass.OPERATIONAL,
        "updated_at": PiiClass.OPERATIONAL,
        "deleted_at": PiiClass.OPERATIONAL,
    },
    "app.plaid_items": {
        "item_id": PiiClass.OPERATIONAL,
        "client_id": PiiClass.OPERATIONAL,
        "institution_id": PiiClass.FINANCIAL,
        "institution_name": PiiClass.FINANCIAL,
        # A credential to the client's accounts (DESIGN §4: Plaid access tokens).
        "access_token": PiiClass.DIRECT_IDENTIFIER,
        "products": PiiClass.OPERATIONAL,
        "created_at": PiiClass.OPERATIONAL,
        "updated_at": PiiClass.OPERATIONAL,
        "deleted_at": PiiClass.OPERATIONAL,
    },
    "app.document_uploads": {
        "upload_id": PiiClass.OPERATIONAL,
        "client_id": PiiClass.OPERATIONAL,
        "document_type": PiiClass.FINANCIAL,
        "tax_year": PiiClass.FINANCIAL,
        # Names of uploaded files often carry the person's name.
        "file_name": PiiClass.DIRECT_IDENTIFIER,
        "uploaded_at": PiiClass.OPERATIONAL,
        "updated_at": PiiClass.OPERATIONAL,
        "deleted_at": PiiClass.OPERATIONAL,
    },
    # Uploaded documents (ingestion.documents): fields of the tax forms, columns of the
    # equity exports, and the file itself.
    "documents.file": {
        "file_sha256": PiiClass.OPERATIONAL,
        # Names of uploaded files often carry the person's name.
        "original_file_name": PiiClass.DIRECT_IDENTIFIER,
        "size_bytes": PiiClass.OPERATIONAL,
    },
    "documents.tax_form": {
        "form": PiiClass.OPERATIONAL,
        "tax_year": PiiClass.FINANCIAL,
        "recipient_name": PiiClass.DIRECT_IDENTIFIER,
        # Kept encrypted, with its last 4 digits in clear (DESIGN §4).
        "recipient_tin": PiiClass.DIRECT_IDENTIFIER,
        "employer_name": PiiClass.QUASI_IDENTIFIER,
        "employer_ein": PiiClass.QUASI_IDENTIFIER,
        # Only the last 4 characters are printed on the forms and stored.
        "account_id": PiiClass.FINANCIAL,
        "box_amounts": PiiClass.FINANCIAL,
        "description": PiiClass.FINANCIAL,
        "dates": PiiClass.FINANCIAL,
    },
    "documents.equity_grant_export": {
        "grant_id": PiiClass.OPERATIONAL,
        "stakeholder_name": PiiClass.DIRECT_IDENTIFIER,
        "company_name": PiiClass.QUASI_IDENTIFIER,
        "grant_terms": PiiClass.FINANCIAL,
    },
    "documents.fmv_409a_history": {
        "company_name": PiiClass.QUASI_IDENTIFIER,
        "valuation_date": PiiClass.FINANCIAL,
        "fmv_per_share": PiiClass.FINANCIAL,
    },
    # Plaid (ingestion.plaid.records): the source fields the loader keeps and how.
    # Account and reference numbers are cut to their last 4 before they are stored.
    "plaid.accounts": {
        "account_id": PiiClass.OPERATIONAL,
        # Often a nickname the client typed ("Ann's savings").
        "name": PiiClass.DIRECT_IDENTIFIER,
        "official_name": PiiClass.FINANCIAL,
        "mask": PiiClass.QUASI_IDENTIFIER,
        "type": PiiClass.FINANCIAL,
        "subtype": PiiClass.FINANCIAL,
        "balances": PiiClass.FINANCIAL,
    },
    "plaid.liabilities_mortgage": {
        "account_number": PiiClass.DIRECT_IDENTIFIER,
        "property_address": PiiClass.DIRECT_IDENTIFIER,
        "interest_rate": PiiClass.FINANCIAL,
    },
    "plaid.liabilities_student": {
        "account_number": PiiClass.DIRECT_IDENTIFIER,
        "payment_reference_number": PiiClass.DIRECT_IDENTIFIER,
        "servicer_address": PiiClass.OPERATIONAL,
        "interest_rate_percentage": PiiClass.FINANCIAL,
    },
    "plaid.transactions": {
        "transaction_id": PiiClass.OPERATIONAL,
        "amount": PiiClass.FINANCIAL,
        "name": PiiClass.FINANCIAL,
        "merchant_name": PiiClass.FINANCIAL,
        # A person: the account holder, or the payer/payee of a transfer.
        "account_owner": PiiClass.DIRECT_IDENTIFIER,
        "payment_meta": PiiClass.DIRECT_IDENTIFIER,
        "original_description": PiiClass.DIRECT_IDENTIFIER,
        # Not kept: a counterparty can be a person.
        "counterparties": PiiClass.DIRECT_IDENTIFIER,
        "location": PiiClass.QUASI_IDENTIFIER,
        "personal_finance_category": PiiClass.FINANCIAL,
    },
    # Segment-style events: the keys of each JSON document of a message.
    "events.traits": {
        "email": PiiClass.DIRECT_IDENTIFIER,
        "name": PiiClass.DIRECT_IDENTIFIER,
        "first_name": PiiClass.DIRECT_IDENTIFIER,
        "last_name": PiiClass.DIRECT_IDENTIFIER,
        "firstName": PiiClass.DIRECT_IDENTIFIER,
        "lastName": PiiClass.DIRECT_IDENTIFIER,
        "phone": PiiClass.DIRECT_IDENTIFIER,
        "address": PiiClass.DIRECT_IDENTIFIER,
        "birthday": PiiClass.DIRECT_IDENTIFIER,
        "state": PiiClass.QUASI_IDENTIFIER,
        "signup_channel": PiiClass.OPERATIONAL,
        "created_at": PiiClass.OPERATIONAL,
        "createdAt": PiiClass.OPERATIONAL,
    },
    "events.context": {
        # An IP address locates and often identifies a household.
        "ip": PiiClass.DIRECT_IDENTIFIER,
        "userAgent": PiiClass.QUASI_IDENTIFIER,
        "library": PiiClass.OPERATIONAL,
        "campaign": PiiClass.OPERATIONAL,
        "page": PiiClass.OPERATIONAL,
        "locale": PiiClass.QUASI_IDENTIFIER,
        "timezone": PiiClass.QUASI_IDENTIFIER,
    },
    "events.properties": {
        "path": PiiClass.OPERATIONAL,
        "title": PiiClass.OPERATIONAL,
        "url": PiiClass.OPERATIONAL,
        "referrer": PiiClass.OPERATIONAL,
        "search": PiiClass.OPERATIONAL,
        "signup_channel": PiiClass.OPERATIONAL,
        "institution_id": PiiClass.FINANCIAL,
        "products": PiiClass.OPERATIONAL,
        "document_type": PiiClass.FINANCIAL,
        "tax_year": PiiClass.FINANCIAL,
        "appointment_type": PiiClass.OPERATIONAL,
        "goal_type": PiiClass.FINANCIAL,
        "email": PiiClass.DIRECT_IDENTIFIER,
    },
}


def direct_identifiers(source_table: str) -> tuple[str, ...]:
    """Columns of `source_table` that loaders must encrypt."""
    return tuple(
        column
        for column, pii_class in SOURCE_COLUMN_CLASSES[source_table].items()
        if pii_class is PiiClass.DIRECT_IDENTIFIER
    )
