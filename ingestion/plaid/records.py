"""Plaid responses (as `to_dict()` values) turned into rows of the `raw_plaid` tables.

Pure functions, no I/O: one `RawTable` per table says its columns and key, and
each `*_rows` function maps one response to rows. Plaid's field names are
kept (nested objects flattened with `_`). What privacy requires happens here:
account and reference numbers are cut to their last 4, and names or
addresses a person typed are envelope-encrypted with the column as context
(classified in `privacy.classification`, source `plaid.<table>`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from privacy import EnvelopeCipher, last4

LOAD_COLUMNS = ("_row_sha256", "_load_id", "_loaded_at")


@dataclass(frozen=True)
class RawTable:
    """A `raw_plaid` table: source columns in load order, then the load columns."""

    name: str
    source_columns: tuple[str, ...]
    key_columns: tuple[str, ...]

    @property
    def qualified_name(self) -> str:
        return f"raw_plaid.{self.name}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.source_columns, *LOAD_COLUMNS)


ACCOUNTS = RawTable(
    "accounts",
    (
        "account_id",
        "item_id",
        "client_key",
        "name_encrypted",
        "official_name",
        "mask",
        "type",
        "subtype",
    ),
    ("account_id",),
)
BALANCES_DAILY = RawTable(
    "balances_daily",
    (
        "account_id", "as_of_date", "item_id", "available", "current", "limit",
        "iso_currency_code", "unofficial_currency_code", "last_updated_datetime",
    ),
    ("account_id", "as_of_date"),
)  # fmt: skip
SECURITIES = RawTable(
    "securities",
    (
        "security_id", "name", "ticker_symbol", "isin", "cusip", "sedol", "figi",
        "institution_security_id", "institution_id", "proxy_security_id", "is_cash_equivalent",
        "type", "market_identifier_code", "sector", "industry", "iso_currency_code",
        "unofficial_currency_code",
    ),
    ("security_id",),
)  # fmt: skip
HOLDINGS_DAILY = RawTable(
    "holdings_daily",
    (
        "account_id", "security_id", "as_of_date", "item_id", "quantity", "institution_price",
        "institution_price_as_of", "institution_value", "cost_basis", "vested_quantity",
        "vested_value", "iso_currency_code", "unofficial_currency_code",
    ),
    ("account_id", "security_id", "as_of_date"),
)  # fmt: skip
HOLDING_TAX_LOTS_DAILY = RawTable(
    "holding_tax_lots_daily",
    (
        "account_id", "security_id", "as_of_date", "lot_number", "item_id", "institution_lot_id",
        "original_purchase_datetime", "quantity", "purchase_price", "cost_basis",
        "current_value", "position_type",
    ),
    ("account_id", "security_id", "as_of_date", "lot_number"),
)  # fmt: skip
INVESTMENT_TRANSACTIONS = RawTable(
    "investment_transactions",
    (
        "investment_transaction_id", "account_id", "item_id", "security_id", "date", "name",
        "quantity", "amount", "price", "fees", "type", "subtype", "iso_currency_code",
        "unofficial_currency_code", "cancel_transaction_id",
    ),
    ("investment_transaction_id",),
)  # fmt: skip
LIABILITIES_CREDIT = RawTable(
    "liabilities_credit",
    (
        "account_id", "as_of_date", "item_id", "is_overdue", "last_payment_amount",
        "last_payment_date", "last_statement_issue_date", "last_statement_balance",
        "minimum_payment_amount", "next_payment_due_date",
    ),
    ("account_id", "as_of_date"),
)  # fmt: skip
LIABILITIES_CREDIT_APRS = RawTable(
    "liabilities_credit_aprs",
    (
        "account_id", "as_of_date", "apr_type", "item_id", "apr_percentage",
        "balance_subject_to_apr", "interest_charge_amount",
    ),
    ("account_id", "as_of_date", "apr_type"),
)  # fmt: skip
LIABILITIES_MORTGAGE = RawTable(
    "liabilities_mortgage",
    (
        "account_id", "as_of_date", "item_id", "account_number_last4", "current_late_fee",
        "escrow_balance", "has_pmi", "has_prepayment_penalty", "interest_rate_percentage",
        "interest_rate_type", "last_payment_amount", "last_payment_date",
        "loan_type_description", "loan_term", "maturity_date", "next_monthly_payment",
        "next_payment_due_date", "origination_date", "origination_principal_amount",
        "past_due_amount", "property_address_encrypted", "ytd_interest_paid",
        "ytd_principal_paid",
    ),
    ("account_id", "as_of_date"),
)  # fmt: skip
LIABILITIES_STUDENT = RawTable(
    "liabilities_student",
    (
        "account_id", "as_of_date", "item_id", "account_number_last4", "disbursement_dates",
        "expected_payoff_date", "guarantor", "interest_rate_percentage", "is_overdue",
        "last_payment_amount", "last_payment_date", "last_statement_issue_date",
        "last_statement_balance", "loan_name", "loan_status_type", "loan_status_end_date",
        "minimum_payment_amount", "next_payment_due_date", "origination_date",
        "origination_principal_amount", "outstanding_interest_amount",
        "payment_reference_number_last4", "repayment_plan_type", "repayment_plan_description",
        "sequence_number", "ytd_interest_paid", "ytd_principal_paid",
    ),
    ("account_id", "as_of_date"),
)  # fmt: skip
TRANSACTIONS = RawTable(
    "transactions",
    (
        "transaction_id", "account_id", "item_id", "amount", "iso_currency_code",
        "unofficial_currency_code", "date", "authorized_date", "datetime", "authorized_datetime",
        "name", "merchant_name", "merchant_entity_id", "account_owner_encrypted",
        "payment_meta_encrypted", "original_description_encrypted", "payment_channel", "pending",
        "pending_transaction_id", "transaction_code", "check_number",
        "personal_finance_category_primary", "personal_finance_category_detailed",
        "personal_finance_category_confidence_level", "logo_url", "website",
        "_removed_in_source_at",
    ),
    ("transaction_id",),
)  # fmt: skip

RAW_TABLES = (
    ACCOUNTS, BALANCES_DAILY, SECURITIES, HOLDINGS_DAILY, HOLDING_TAX_LOTS_DAILY,
    INVESTMENT_TRANSACTIONS, LIABILITIES_CREDIT, LIABILITIES_CREDIT_APRS, LIABILITIES_MORTGAGE,
    LIABILITIES_STUDENT, TRANSACTIONS,
)  # fmt: skip


@dataclass(frozen=True)
class RowStamp:
    """The load columns every row of one load carries."""

    load_id: uuid.UUID
    loaded_at: dt.datetime

    @functools.cached_property
    def load_id_text(self) -> str:
        return str(self.load_id)


def finish_row(table: RawTable, values: dict[str, Any], stamp: RowStamp) -> tuple[Any, ...]:
    """The row in `table.columns` order, fingerprinted over its source values."""
    source_values = [values.get(column) for column in table.source_columns]
    comparable = [
        f"sealed:{value.fingerprint}" if type(value) is SealedText else value
        for value in source_values
    ]
    fingerprint = hashlib.sha256(_FINGERPRINT_JSON.encode(comparable).encode()).hexdigest()
    return (*source_values, fingerprint, stamp.load_id_text, stamp.loaded_at)


def account_rows(
    item_id: str,
    client_key: str,
    accounts: Iterable[dict[str, Any]],
    sealer: Sealer,
    stamp: RowStamp,
) -> list[tuple[Any, ...]]:
    return [
        finish_row(
            ACCOUNTS,
            {
                "account_id": account["account_id"],
                "item_id": item_id,
                "client_key": client_key,
                "name_encrypted": sealer.seal(account.get("name"), "raw_plaid.accounts.name"),
                "official_name": account.get("official_name"),
                # Plaid's mask is already the last 2-4 characters; cut again in case it is not.
                "mask": (account.get("mask") or "")[-4:] or None,
                "type": _text(account.get("type")),
                "subtype": _text(account.get("subtype")),
            },
            stamp,
        )
        for account in accounts
    ]


def balance_rows(
    item_id: str, as_of_date: dt.date, accounts: Iterable[dict[str, Any]], stamp: RowStamp
) -> list[tuple[Any, ...]]:
    rows = []
    for account in accounts:
        balances = account.get("balances") or {}
        rows.append(
            finish_row(
                BALANCES_DAILY,
                {
                    "account_id": account["account_id"],
                    "as_of_date": as_of_date,
                    "item_id": item_id,
                    "available": balances.get("available"),
                    "current": balances.get("current"),
                    "limit": balances.get("limit"),
                    "iso_currency_code": balances.get("iso_currency_code"),
                    "unofficial_currency_code": balances.get("unofficial_currency_code"),
                    "last_updated_datetime": balances.get("last_updated_datetime"),
                },
                stamp,
            )
        )
    return rows


def security_rows(securities: Iterable[dict[str, Any]], stamp: RowStamp) -> list[tuple[Any, ...]]:
    return [
        finish_row(
            SECURITIES,
            {column: security.get(column) for column in SECURITIES.source_columns},
            stamp,
        )
        for security in securities
    ]


def holding_rows(
    item_id: str, as_of_date: dt.date, holdings: Iterable[dict[str, Any]], stamp: RowStamp
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Holdings and their tax lots (a lot's number is its place in Plaid's `tax_lots`)."""
    holding_table, lot_table = [], []
    for holding in holdings:
        values = {column: holding.get(column) for column in HOLDINGS_DAILY.source_columns}
        values.update(as_of_date=as_of_date, item_id=item_id)
        holding_table.append(finish_row(HOLDINGS_DAILY, values, stamp))
        for lot_number, lot in enumerate(holding.get("tax_lots") or [], start=1):
            lot_values = {
                column: lot.get(column) for column in HOLDING_TAX_LOTS_DAILY.source_columns
            }
            lot_values.update(
                account_id=holding["account_id"],
                security_id=holding["security_id"],
                as_of_date=as_of_date,
                lot_number=lot_number,
                item_id=item_id,
                position_type=_text(lot.get("position_type")),
            )
            lot_table.append(finish_row(HOLDING_TAX_LOTS_DAILY, lot_values, stamp))
    return holding_table, lot_table


def investment_transaction_rows(
    item_id: str, transactions: Iterable[dict[str, Any]], stamp: RowStamp
) -> list[tuple[Any, ...]]:
    rows = []
    for transaction in transactions:
        values = {
            column: transaction.get(column) for column in INVESTMENT_TRANSACTIONS.source_columns
        }
        values["item_id"] = item_id
        rows.append(finish_row(INVESTMENT_TRANSACTIONS, values, stamp))
    return rows


@dataclass(frozen=True)
class LiabilityRows:
    credit: list[tuple[Any, ...]]
    credit_aprs: list[tuple[Any, ...]]
    mortgage: list[tuple[Any, ...]]
    student: list[tuple[Any, ...]]


def liability_rows(
    item_id: str,
    as_of_date: dt.date,
    liabilities: dict[str, Any],
    sealer: Sealer,
    stamp: RowStamp,
) -> LiabilityRows:
    credit, aprs, mortgage, student = [], [], [], []
    day = {"as_of_date": as_of_date, "item_id": item_id}
    for card in liabilities.get("credit") or []:
        values = {column: card.get(column) for column in LIABILITIES_CREDIT.source_columns}
        credit.append(finish_row(LIABILITIES_CREDIT, {**values, **day}, stamp))
        for apr in card.get("aprs") or []:
            apr_values = {
                column: apr.get(column) for column in LIABILITIES_CREDIT_APRS.source_columns
            }
            apr_values.update(
                account_id=card["account_id"], apr_type=_text(apr.get("apr_type")), **day
            )
            aprs.append(finish_row(LIABILITIES_CREDIT_APRS, apr_values, stamp))
    for loan in liabilities.get("mortgage") or []:
        values = {column: loan.get(column) for column in LIABILITIES_MORTGAGE.source_columns}
        rate = loan.get("interest_rate") or {}
        address = loan.get("property_address")
        values.update(
            account_number_last4=_last4(loan.get("account_number")),
            interest_rate_percentage=rate.get("percentage"),
            interest_rate_type=_text(rate.get("type")),
            property_address_encrypted=sealer.seal(
                json.dumps(address, sort_keys=True, default=str) if address else None,
                "raw_plaid.liabilities_mortgage.property_address",
            ),
            **day,
        )
        mortgage.append(finish_row(LIABILITIES_MORTGAGE, values, stamp))
    for loan in liabilities.get("student") or []:
        values = {column: loan.get(column) for column in LIABILITIES_STUDENT.source_columns}
        status = loan.get("loan_status") or {}
        plan = loan.get("repayment_plan") or {}
        values.update(
            account_number_last4=_last4(loan.get("account_number")),
            payment_reference_number_last4=_last4(loan.get("payment_reference_number")),
            disbursement_dates=list(loan.get("disbursement_dates") or []) or None,
            loan_status_type=_text(status.get("type")),
            loan_status_end_date=status.get("end_date"),
            repayment_plan_type=_text(plan.get("type")),
            repayment_plan_description=plan.get("description"),
            **day,
        )
        student.append(finish_row(LIABILITIES_STUDENT, values, stamp))
    return LiabilityRows(credit, aprs, mortgage, student)


def transaction_row(
    item_id: str, transaction: dict[str, Any], sealer: Sealer, stamp: RowStamp
) -> tuple[Any, ...]:
    values = {column: transaction.get(column) for column in TRANSACTIONS.source_columns}
    category = transaction.get("personal_finance_category") or {}
    payment_meta = {
        k: v for k, v in (transaction.get("payment_meta") or {}).items() if v is not None
    }
    values.update(
        item_id=item_id,
        account_owner_encrypted=sealer.seal(
            transaction.get("account_owner"), "raw_plaid.transactions.account_owner"
        ),
        payment_meta_encrypted=sealer.seal(
            json.dumps(payment_meta, sort_keys=True) if payment_meta else None,
            "raw_plaid.transactions.payment_meta",
        ),
        original_description_encrypted=sealer.seal(
            transaction.get("original_description"),
            "raw_plaid.transactions.original_description",
        ),
        personal_finance_category_primary=category.get("primary"),
        personal_finance_category_detailed=category.get("detailed"),
        personal_finance_category_confidence_level=category.get("confidence_level"),
        _removed_in_source_at=None,
    )
    return finish_row(TRANSACTIONS, values, stamp)


def row_key(table: RawTable, row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(row[table.columns.index(column)] for column in table.key_columns)


class SealedText(str):
    """An envelope token that carries a keyed digest of its clear text for fingerprinting.

    A token changes on every encryption (fresh nonce), so fingerprinting the
    token would rewrite the row on every load; an unkeyed hash of a name would
    let anyone holding the row guess the name. The digest is an HMAC with the
    key ring's pepper, like `client_key`.
    """

    fingerprint: str

    def __new__(cls, token: str, fingerprint: str) -> SealedText:
        instance = super().__new__(cls, token)
        instance.fingerprint = fingerprint
        return instance


@dataclass(frozen=True)
class Sealer:
    """Encrypts a column value and fingerprints it without keeping the clear text."""

    cipher: EnvelopeCipher
    pepper: bytes = field(repr=False)

    def seal(self, value: str | None, context: str) -> SealedText | None:
        if value is None or value == "":
            return None
        digest = hmac.digest(self.pepper, f"{context}:{value}".encode(), "sha256").hex()
        return SealedText(self.cipher.encrypt(value, context), digest)


def _fingerprint_text(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


# One encoder for every row: `json.dumps` with arguments builds a new encoder per
# call, a fifth of a transaction row's cost. Same output, so fingerprints are stable.
_FINGERPRINT_JSON = json.JSONEncoder(default=_fingerprint_text, separators=(",", ":"))


def _last4(identifier: str | None) -> str | None:
    return last4(identifier) or None if identifier else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
