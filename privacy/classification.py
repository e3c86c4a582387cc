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


# --- Raw columns -------------------------------------------------------------------------
# Every column of every raw table has a class. The rules below cover the columns
# whose class follows from the way loaders write them; the rest are declared:
# raw_app tables mirror their source table (`app.<table>` above); the Plaid,
# document and event tables, whose columns are the loaders' own, are declared in
# RAW_COLUMN_CLASSES. tests/integration/privacy/test_classification.py checks the
# warehouse against this, and dbt's source YAML carries it as `meta.pii_class`.

ENCRYPTED_SUFFIX = "_encrypted"
"""A direct identifier as an envelope token (context `<schema>.<table>.<column>`)."""
MASKED_SUFFIX = "_last4"
"""The last four digits of an SSN, TIN or account number: the only clear fragment kept."""

LOADER_COLUMNS: dict[str, PiiClass] = {
    "_load_id": PiiClass.OPERATIONAL,
    "_loaded_at": PiiClass.OPERATIONAL,
    "_deleted_in_source_at": PiiClass.OPERATIONAL,
    "_removed_in_source_at": PiiClass.OPERATIONAL,
    "_row_sha256": PiiClass.OPERATIONAL,
    "_file_name": PiiClass.OPERATIONAL,
    "_line_number": PiiClass.OPERATIONAL,
    # HMAC pseudonym of the source client id (privacy.pseudonym): identifies no one.
    "client_key": PiiClass.OPERATIONAL,
}
"""Columns every loader adds beside the source's own."""


def _classes(**groups: str) -> dict[str, PiiClass]:
    """`operational="a b", financial="c"` -> {"a": OPERATIONAL, "b": OPERATIONAL, "c": FINANCIAL}"""
    return {
        column: PiiClass(group) for group, columns in groups.items() for column in columns.split()
    }


RAW_COLUMN_CLASSES: dict[str, dict[str, PiiClass]] = {
    # Source client ids (`client_id`, events' `user_id`) are operational: they reach
    # staging only as `client_key`. Event documents (`context`, `properties`,
    # `traits`) are classified key by key under `events.*` above; the loader drops
    # keys not classified there and encrypts the direct identifiers among them.
    "raw_documents.equity_grants": _classes(
        operational="client_id export_layout file_sha256 grant_id grant_type row_number",
        quasi_identifier="company_name",
        financial=(
            "cliff_months exercised_shares expiration_date grant_date shares_granted "
            "strike_price_usd vest_frequency_months vesting_months vesting_start_date"
        ),
    ),
    "raw_documents.files": _classes(
        operational=(
            "archive_path claimed_document_type client_id detected_document_type file_format "
            "file_sha256 form_count layout page_count processed_at quarantine_reason "
            "quarantine_reason_code received_at status upload_id"
        ),
        financial="size_bytes",
    ),
    "raw_documents.fmv_409a_valuations": _classes(
        operational="client_id file_sha256 row_number",
        quasi_identifier="company_name",
        financial="fmv_per_share_usd valuation_date",
    ),
    "raw_documents.form_1099_b_lines": _classes(
        operational="client_id file_sha256 form_number line_number term",
        financial=(
            "cost_basis_usd date_acquired date_sold description is_acquired_various is_covered "
            "proceeds_usd quantity tax_year wash_sale_loss_disallowed_usd"
        ),
    ),
    "raw_documents.form_1099_div": _classes(
        operational="client_id file_sha256 form_number",
        financial=(
            "box1a_ordinary_dividends_usd box1b_qualified_dividends_usd "
            "box2a_capital_gain_distributions_usd tax_year"
        ),
    ),
    "raw_documents.form_1099_int": _classes(
        operational="client_id file_sha256 form_number",
        financial="box1_interest_usd tax_year",
    ),
    "raw_documents.w2_box12_amounts": _classes(
        operational="client_id file_sha256 form_number",
        financial="amount_usd box12_code",
    ),
    "raw_documents.w2_forms": _classes(
        operational="client_id file_sha256 form_number",
        quasi_identifier="box15_state employer_ein employer_name",
        financial=(
            "box13_has_retirement_plan box13_has_third_party_sick_pay "
            "box13_is_statutory_employee box14_rsu_income_usd box16_state_wages_usd "
            "box17_state_tax_usd box1_wages_usd box2_federal_withholding_usd "
            "box3_social_security_wages_usd box4_social_security_tax_usd "
            "box5_medicare_wages_usd box6_medicare_tax_usd tax_year"
        ),
    ),
    "raw_events.events": _classes(
        operational=(
            "anonymous_id context event message_id name properties received_at timestamp traits "
            "type user_id"
        ),
    ),
    "raw_plaid.accounts": _classes(
        operational="account_id item_id subtype type",
        quasi_identifier="mask",
        financial="official_name",
    ),
    "raw_plaid.balances_daily": _classes(
        operational="account_id iso_currency_code item_id unofficial_currency_code",
        financial="as_of_date available current last_updated_datetime limit",
    ),
    "raw_plaid.holding_tax_lots_daily": _classes(
        operational="account_id institution_lot_id item_id lot_number position_type security_id",
        financial=(
            "as_of_date cost_basis current_value original_purchase_datetime purchase_price quantity"
        ),
    ),
    "raw_plaid.holdings_daily": _classes(
        operational="account_id iso_currency_code item_id security_id unofficial_currency_code",
        financial=(
            "as_of_date cost_basis institution_price institution_price_as_of institution_value "
            "quantity vested_quantity vested_value"
        ),
    ),
    "raw_plaid.investment_transactions": _classes(
        operational=(
            "account_id cancel_transaction_id investment_transaction_id iso_currency_code "
            "item_id security_id subtype type unofficial_currency_code"
        ),
        financial="amount date fees name price quantity",
    ),
    "raw_plaid.item_product_health": _classes(
        operational=(
            "checked_at checked_for_day error_code error_type health_state item_id last_ok_at "
            "product request_id"
        ),
    ),
    "raw_plaid.items": _classes(
        operational=(
            "client_id error_code error_type health_checked_at health_state institution_id "
            "item_id request_id"
        ),
        financial="institution_name",
    ),
    "raw_plaid.liabilities_credit": _classes(
        operational="account_id item_id",
        financial=(
            "as_of_date is_overdue last_payment_amount last_payment_date last_statement_balance "
            "last_statement_issue_date minimum_payment_amount next_payment_due_date"
        ),
    ),
    "raw_plaid.liabilities_credit_aprs": _classes(
        operational="account_id apr_type item_id",
        financial="apr_percentage as_of_date balance_subject_to_apr interest_charge_amount",
    ),
    "raw_plaid.liabilities_mortgage": _classes(
        operational="account_id interest_rate_type item_id",
        financial=(
            "as_of_date current_late_fee escrow_balance has_pmi has_prepayment_penalty "
            "interest_rate_percentage last_payment_amount last_payment_date loan_term "
            "loan_type_description maturity_date next_monthly_payment next_payment_due_date "
            "origination_date origination_principal_amount past_due_amount ytd_interest_paid "
            "ytd_principal_paid"
        ),
    ),
    "raw_plaid.liabilities_student": _classes(
        operational="account_id item_id loan_status_type repayment_plan_type sequence_number",
        financial=(
            "as_of_date disbursement_dates expected_payoff_date guarantor "
            "interest_rate_percentage is_overdue last_payment_amount last_payment_date "
            "last_statement_balance last_statement_issue_date loan_name loan_status_end_date "
            "minimum_payment_amount next_payment_due_date origination_date "
            "origination_principal_amount outstanding_interest_amount "
            "repayment_plan_description ytd_interest_paid ytd_principal_paid"
        ),
    ),
    "raw_plaid.securities": _classes(
        operational=(
            "cusip figi institution_id institution_security_id isin iso_currency_code "
            "market_identifier_code proxy_security_id security_id sedol ticker_symbol type "
            "unofficial_currency_code"
        ),
        financial="industry is_cash_equivalent name sector",
    ),
    "raw_plaid.transactions": _classes(
        operational=(
            "account_id check_number iso_currency_code item_id logo_url merchant_entity_id "
            "payment_channel pending pending_transaction_id "
            "personal_finance_category_confidence_level transaction_code transaction_id "
            "unofficial_currency_code website"
        ),
        financial=(
            "amount authorized_date authorized_datetime date datetime merchant_name name "
            "personal_finance_category_detailed personal_finance_category_primary"
        ),
    ),
    "raw_plaid.transactions_sync_cursors": _classes(
        operational="item_id next_cursor synced_at",
    ),
    # Webhooks name an item and what changed; the receiver strips any token key.
    "raw_plaid.webhook_events": _classes(
        operational=(
            "error_code item_id payload processed_at received_at request_body_sha256 "
            "webhook_code webhook_event_id webhook_type"
        ),
    ),
}


class UnclassifiedColumnError(LookupError):
    """A raw column nobody has classified: classify it here before loading it."""


def raw_column_class(schema: str, table: str, column: str) -> PiiClass:
    """The class of a column of a raw table, by the rules and declarations above."""
    if column.endswith(ENCRYPTED_SUFFIX):
        return PiiClass.DIRECT_IDENTIFIER
    if column.endswith(MASKED_SUFFIX):
        return PiiClass.QUASI_IDENTIFIER
    if column in LOADER_COLUMNS:
        return LOADER_COLUMNS[column]
    qualified = f"{schema}.{table}"
    declared = RAW_COLUMN_CLASSES.get(qualified)
    if declared is None and schema == "raw_app":
        declared = SOURCE_COLUMN_CLASSES.get(f"app.{table}")
    if declared is None or column not in declared:
        raise UnclassifiedColumnError(
            f"{qualified}.{column} has no PII class: declare it in privacy/classification.py."
        )
    return declared[column]


def classification_markdown() -> str:
    """The classification as the Markdown table of docs/security.md (checked by a test)."""
    lines = [
        "| source | direct identifiers (encrypted, or cut to last 4) | quasi-identifiers "
        "(clear) | financial | operational |",
        "|---|---|---|---|---|",
    ]
    for source, columns in SOURCE_COLUMN_CLASSES.items():
        by_class = {
            pii_class: [name for name, declared in columns.items() if declared is pii_class]
            for pii_class in PiiClass
        }
        lines.append(
            f"| `{source}` | "
            + " | ".join(
                ", ".join(f"`{name}`" for name in by_class[pii_class]) or "—"
                for pii_class in PiiClass
            )
            + " |"
        )
    return "\n".join(lines)
