"""Plaid API responses (OpenAPI 2020-09-14 shapes) built from a world's store.

Every object carries all keys the plaid-python models require (null where the
sandbox has no value). The server's simulated "today" selects the balances,
holdings and visible transactions: each endpoint answers as Plaid would at the end
of that day.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

import numpy as np

from sandbox.plaid_server import errors
from sandbox.plaid_server.world_store import AccountRecord, ItemRecord, WorldStore

DEFAULT_PAGE_COUNT = 100
MAX_SYNC_COUNT = 500
MAX_INVESTMENT_TRANSACTIONS_COUNT = 500
CURSOR_VERSION = 1
CURRENCY = "USD"
LIABILITY_KINDS = {"credit_card", "mortgage", "student_loan"}


def _usd(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _require_string(body: dict[str, object], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise errors.missing_fields(name)
    if not isinstance(value, str):
        raise errors.invalid_field(f"{name} must be a string")
    return value


def _options(body: dict[str, object]) -> dict[str, object]:
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise errors.invalid_field("options must be an object")
    return options


def _bounded_int(value: object, name: str, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise errors.invalid_field(f"{name} must be an integer between {low} and {high}")
    return value


def _date_field(body: dict[str, object], name: str) -> dt.date:
    text = _require_string(body, name)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise errors.invalid_field(f"{name} must be a date in YYYY-MM-DD format") from None


class PlaidResponses:
    """Builds endpoint results for one world at a settable simulated date."""

    def __init__(self, store: WorldStore, today: dt.date | None = None) -> None:
        self.store = store
        self.today = today or store.as_of
        self.check_today(self.today)
        names = [row[0] for row in store.descriptions]
        self._card_payment_description = names.index("PAYMENT - THANK YOU")

    # -- clock ------------------------------------------------------------------------
    def check_today(self, day: dt.date) -> None:
        if not self.store.snapshot_start <= day <= self.store.as_of:
            raise errors.invalid_field(
                f"date must be between {self.store.snapshot_start} and {self.store.as_of} "
                "(the days this world can serve)"
            )

    @property
    def today_number(self) -> int:
        return self.store.day_number(self.today)

    # -- shared objects -----------------------------------------------------------------
    def account_json(self, account: AccountRecord) -> dict[str, object]:
        position = self.store.snapshot_position(self.today)
        available = account.available_cents[position]
        balances: dict[str, object] = {
            "available": _usd(available),
            "current": _usd(account.current_cents[position]),
            "limit": _usd(account.limit_cents),
            "iso_currency_code": CURRENCY,
            "unofficial_currency_code": None,
            "last_updated_datetime": None,
        }
        if account.type == "investment":
            # Investment responses use InvestmentAccount, whose balances require it.
            balances["margin_loan_amount"] = None
        return {
            "account_id": account.account_id,
            "balances": balances,
            "mask": account.mask,
            "name": account.name,
            "official_name": account.official_name,
            "type": account.type,
            "subtype": account.subtype,
        }

    def item_json(
        self, item: ItemRecord, error: errors.PlaidError | None = None
    ) -> dict[str, object]:
        return {
            "item_id": item.item_id,
            "institution_id": item.institution_id,
            "institution_name": item.institution_name,
            "webhook": None,
            "error": error.body("") if error else None,
            "available_products": ["balance"],
            "billed_products": list(item.products),
            "products": list(item.products),
            "consent_expiration_time": None,
            "update_type": "background",
        }

    def security_json(self, index: int) -> dict[str, object]:
        security = self.store.securities[index]
        is_exchange_traded = security.type in {"equity", "etf"}
        return {
            "security_id": security.security_id,
            "isin": security.isin,
            "cusip": security.cusip,
            "sedol": None,
            "institution_security_id": None,
            "institution_id": None,
            "proxy_security_id": None,
            "name": security.name,
            "ticker_symbol": security.ticker_symbol,
            "is_cash_equivalent": security.is_cash_equivalent,
            "type": security.type,
            "close_price": _usd(self.store.close_cents(index, self.today)),
            "close_price_as_of": self.today.isoformat(),
            "update_datetime": None,
            "iso_currency_code": CURRENCY,
            "unofficial_currency_code": None,
            "market_identifier_code": "XNAS" if is_exchange_traded else None,
            "sector": security.sector,
            "industry": security.industry,
            "cfi_code": None,
            "figi": security.figi,
            "option_contract": None,
            "fixed_income": None,
        }

    def _accounts(self, item: ItemRecord, types: set[str] | None = None) -> list[AccountRecord]:
        accounts = self.store.accounts_of(item.item_id)
        return [a for a in accounts if types is None or a.type in types]

    def _require_product(self, item: ItemRecord, product: str) -> None:
        if product not in item.products:
            raise errors.products_not_supported(product)

    # -- endpoints ----------------------------------------------------------------------
    def accounts_get(self, item: ItemRecord, body: dict[str, object]) -> dict[str, object]:
        accounts = self._accounts(item)
        wanted = _options(body).get("account_ids")
        if wanted is not None:
            if not isinstance(wanted, list) or not all(isinstance(a, str) for a in wanted):
                raise errors.invalid_field("options.account_ids must be a list of strings")
            accounts = [a for a in accounts if a.account_id in wanted]
        return {"accounts": [self.account_json(a) for a in accounts], "item": self.item_json(item)}

    def item_get(self, item: ItemRecord, body: dict[str, object]) -> dict[str, object]:
        return {"item": self.item_json(item), "status": None}

    def holdings_get(self, item: ItemRecord, body: dict[str, object]) -> dict[str, object]:
        self._require_product(item, "investments")
        accounts = self._accounts(item, {"investment"})
        by_position = {a.position: a for a in accounts}
        day = self.today_number
        lots = self.store.block(self.store.lots, item.lot_block, list(by_position))
        lots = lots[(lots["valid_from_day"] <= day) & (day < lots["valid_to_day"])]
        grouped: dict[tuple[int, int], list[tuple]] = {}
        for lot in lots.tolist():
            grouped.setdefault((lot[1], lot[2]), []).append(lot)
        holdings = []
        security_indexes: set[int] = set()
        for (position, security), account_lots in sorted(grouped.items()):
            close = self.store.close_cents(security, self.today)
            tax_lots = []
            value = cost = 0
            quantity = 0.0
            for lot_id, _, _, acquired_day, lot_quantity, lot_cost, _, _ in account_lots:
                lot_value = round(lot_quantity * close)
                value += lot_value
                cost += lot_cost
                quantity += lot_quantity
                acquired = self.store.date_of(acquired_day)
                tax_lots.append(
                    {
                        "institution_lot_id": lot_id.decode(),
                        "original_purchase_datetime": f"{acquired.isoformat()}T00:00:00Z",
                        "quantity": lot_quantity,
                        "purchase_price": round(lot_cost / lot_quantity / 100, 6),
                        "cost_basis": _usd(lot_cost),
                        "current_value": _usd(lot_value),
                        "position_type": "LONG",
                    }
                )
            security_indexes.add(security)
            holdings.append(
                self._holding(
                    by_position[position].account_id,
                    security,
                    close,
                    value,
                    cost,
                    round(quantity, 6),
                    tax_lots,
                )
            )
        cash_index = next(s.index for s in self.store.securities if s.type == "cash")
        position_today = self.store.snapshot_position(self.today)
        for account in accounts:
            cash = account.available_cents[position_today]
            if cash:
                security_indexes.add(cash_index)
                holdings.append(
                    self._holding(account.account_id, cash_index, 100, cash, cash, cash / 100, [])
                )
        return {
            "accounts": [self.account_json(a) for a in accounts],
            "holdings": holdings,
            "securities": [self.security_json(i) for i in sorted(security_indexes)],
            "item": self.item_json(item),
        }

    def _holding(
        self,
        account_id: str,
        security: int,
        price_cents: int,
        value_cents: int,
        cost_cents: int,
        quantity: float,
        tax_lots: list,
    ) -> dict[str, object]:
        return {
            "account_id": account_id,
            "security_id": self.store.securities[security].security_id,
            "institution_price": _usd(price_cents),
            "institution_price_as_of": self.today.isoformat(),
            "institution_price_datetime": None,
            "institution_value": _usd(value_cents),
            "cost_basis": _usd(cost_cents),
            "quantity": quantity,
            "iso_currency_code": CURRENCY,
            "unofficial_currency_code": None,
            "vested_quantity": None,
            "vested_value": None,
            "tax_lots": tax_lots,
        }

    def investment_transactions_get(
        self, item: ItemRecord, body: dict[str, object]
    ) -> dict[str, object]:
        start_date = _date_field(body, "start_date")
        end_date = _date_field(body, "end_date")
        if start_date > end_date:
            raise errors.invalid_field("start_date must be on or before end_date")
        options = _options(body)
        count = _bounded_int(
            options.get("count"),
            "options.count",
            1,
            MAX_INVESTMENT_TRANSACTIONS_COUNT,
            DEFAULT_PAGE_COUNT,
        )
        offset = _bounded_int(options.get("offset"), "options.offset", 0, 2**31 - 1, 0)
        self._require_product(item, "investments")
        accounts = self._accounts(item, {"investment"})
        by_position = {a.position: a for a in accounts}
        rows = self.store.block(self.store.investment, item.investment_block, list(by_position))
        first = self.store.day_number(start_date)
        last = min(self.store.day_number(end_date), self.today_number)
        rows = rows[(rows["day"] >= first) & (rows["day"] <= last)]
        # Newest first, then by id: a stable order for offset pagination.
        order = np.lexsort((rows["investment_transaction_id"], -rows["day"].astype(np.int32)))
        rows = rows[order]
        page = rows[offset : offset + count].tolist()
        security_indexes = sorted({row[2] for row in page if row[2] >= 0})
        transactions = []
        for tx_id, position, security, day, kind, quantity, amount, price, fees in page:
            plaid_type, subtype, template = self.store.investment_kinds[kind]
            security_name = self.store.securities[security].name if security >= 0 else ""
            transactions.append(
                {
                    "investment_transaction_id": tx_id.decode(),
                    "account_id": by_position[position].account_id,
                    "security_id": self.store.securities[security].security_id
                    if security >= 0
                    else None,
                    "date": self.store.date_of(day).isoformat(),
                    "name": template.format(security=security_name),
                    "quantity": quantity,
                    "amount": _usd(amount),
                    "price": _usd(price),
                    "fees": _usd(fees),
                    "type": plaid_type,
                    "subtype": subtype,
                    "iso_currency_code": CURRENCY,
                    "unofficial_currency_code": None,
                    "cancel_transaction_id": None,
                }
            )
        return {
            "item": self.item_json(item),
            "accounts": [self.account_json(a) for a in accounts],
            "securities": [self.security_json(i) for i in security_indexes],
            "investment_transactions": transactions,
            "total_investment_transactions": len(rows),
        }

    def liabilities_get(self, item: ItemRecord, body: dict[str, object]) -> dict[str, object]:
        self._require_product(item, "liabilities")
        accounts = self._accounts(item)
        credit, mortgage, student = [], [], []
        for account in accounts:
            if account.kind == "credit_card":
                credit.append(self._credit_liability(item, account))
            elif account.kind == "mortgage":
                mortgage.append(self._mortgage_liability(account))
            elif account.kind == "student_loan":
                student.append(self._student_liability(account))
        return {
            "accounts": [self.account_json(a) for a in accounts],
            "item": self.item_json(item),
            "liabilities": {
                "credit": credit or None,
                "mortgage": mortgage or None,
                "student": student or None,
            },
        }

    def _credit_liability(self, item: ItemRecord, account: AccountRecord) -> dict[str, object]:
        terms = account.liability or {}
        today = self.today
        day = self.today_number
        rows = self.store.block(self.store.bank, item.bank_block, [account.position])
        posted = rows[(rows["pending"] == 0) & (rows["day"] <= day)]
        payments = posted[posted["description"] == self._card_payment_description]
        last_payment = payments[np.argmax(payments["day"])] if len(payments) else None
        statement_date = today.replace(day=1) - dt.timedelta(days=1)
        since_statement = posted[posted["day"] > self.store.day_number(statement_date)]
        current = account.current_cents[self.store.snapshot_position(today)]
        statement_balance = current - int(since_statement["amount_cents"].sum())
        carried = int(terms.get("carried_cents", 0))  # type: ignore[call-overload]
        aprs = []
        for apr in terms.get("aprs", []):  # type: ignore[union-attr]
            is_purchase = apr["apr_type"] == "purchase_apr"
            interest = round(carried * apr["apr_percentage"] / 100 / 12) if is_purchase else 0
            aprs.append(
                {
                    "apr_percentage": apr["apr_percentage"],
                    "apr_type": apr["apr_type"],
                    "balance_subject_to_apr": _usd(carried if is_purchase else 0),
                    "interest_charge_amount": _usd(interest),
                }
            )
        interest_due = (
            round(carried * float(terms["aprs"][0]["apr_percentage"]) / 1200)
            if terms.get("aprs")
            else 0
        )  # type: ignore[index]
        minimum = min(
            max(2_500, round(statement_balance * 0.01) + interest_due), max(statement_balance, 0)
        )
        due = (
            today.replace(day=20)
            if today.day < 20
            else (today.replace(day=1) + dt.timedelta(days=32)).replace(day=20)
        )
        return {
            "account_id": account.account_id,
            "aprs": aprs,
            "is_overdue": False,
            "last_payment_amount": _usd(-int(last_payment["amount_cents"]))
            if last_payment is not None
            else None,
            "last_payment_date": _iso(self.store.date_of(int(last_payment["day"])))
            if last_payment is not None
            else None,
            "last_statement_issue_date": statement_date.isoformat(),
            "last_statement_balance": _usd(statement_balance),
            "minimum_payment_amount": _usd(minimum),
            "next_payment_due_date": due.isoformat(),
        }

    def _payment_dates(self, pay_day: int) -> tuple[dt.date, dt.date]:
        today = self.today
        this_month = today.replace(day=pay_day)
        if today >= this_month:
            return this_month, (this_month + dt.timedelta(days=32)).replace(day=pay_day)
        previous = (this_month.replace(day=1) - dt.timedelta(days=1)).replace(day=pay_day)
        return previous, this_month

    def _mortgage_liability(self, account: AccountRecord) -> dict[str, object]:
        terms = account.liability or {}
        last, following = self._payment_dates(int(terms["pay_day"]))  # type: ignore[call-overload]
        payment = int(terms["payment_cents"]) + int(terms["escrow_cents"])  # type: ignore[call-overload]
        return {
            "account_id": account.account_id,
            "account_number": None,
            "current_late_fee": 0.0,
            "escrow_balance": _usd(int(terms["escrow_cents"]) * 4),  # type: ignore[call-overload]
            "has_pmi": False,
            "has_prepayment_penalty": False,
            "interest_rate": {"percentage": terms["interest_rate_pct"], "type": "fixed"},
            "last_payment_amount": _usd(payment),
            "last_payment_date": last.isoformat(),
            "loan_type_description": "conventional",
            "loan_term": f"{int(terms['term_months']) // 12} year",  # type: ignore[call-overload]
            "maturity_date": terms["maturity_date"],
            "next_monthly_payment": _usd(payment),
            "next_payment_due_date": following.isoformat(),
            "origination_date": terms["origination_date"],
            "origination_principal_amount": _usd(int(terms["origination_principal_cents"])),  # type: ignore[call-overload]
            "past_due_amount": 0.0,
            "property_address": {**terms["property"], "country": "US"},  # type: ignore[dict-item]
            "ytd_interest_paid": _usd(int(terms["ytd_interest_cents"])),  # type: ignore[call-overload]
            "ytd_principal_paid": _usd(int(terms["ytd_principal_cents"])),  # type: ignore[call-overload]
        }

    def _student_liability(self, account: AccountRecord) -> dict[str, object]:
        terms = account.liability or {}
        last, following = self._payment_dates(int(terms["pay_day"]))  # type: ignore[call-overload]
        payment = int(terms["payment_cents"])  # type: ignore[call-overload]
        return {
            "account_id": account.account_id,
            "account_number": None,
            "disbursement_dates": [terms["origination_date"]],
            "expected_payoff_date": terms["maturity_date"],
            "guarantor": None,
            "interest_rate_percentage": terms["interest_rate_pct"],
            "is_overdue": False,
            "last_payment_amount": _usd(payment),
            "last_payment_date": last.isoformat(),
            "last_statement_issue_date": (last - dt.timedelta(days=21)).isoformat(),
            "last_statement_balance": _usd(
                account.current_cents[self.store.snapshot_position(self.today)]
            ),
            "loan_name": "Consolidation Loan",
            "loan_status": {"end_date": None, "type": "repayment"},
            "minimum_payment_amount": _usd(payment),
            "next_payment_due_date": following.isoformat(),
            "origination_date": terms["origination_date"],
            "origination_principal_amount": _usd(int(terms["origination_principal_cents"])),  # type: ignore[call-overload]
            "outstanding_interest_amount": 0.0,
            "payment_reference_number": account.mask,
            "pslf_status": {
                "estimated_eligibility_date": None,
                "payments_made": None,
                "payments_remaining": None,
            },
            "repayment_plan": {"description": "Standard Repayment", "type": "standard"},
            "sequence_number": "1",
            "servicer_address": {
                "city": "Wilkes-Barre",
                "region": "PA",
                "street": "100 Servicer Way",
                "postal_code": "18773",
                "country": "US",
            },
            "ytd_interest_paid": _usd(int(terms["ytd_interest_cents"])),  # type: ignore[call-overload]
            "ytd_principal_paid": _usd(int(terms["ytd_principal_cents"])),  # type: ignore[call-overload]
        }

    # -- /transactions/sync ---------------------------------------------------------------
    @staticmethod
    def encode_cursor(item_id: str, since_day: int, until_day: int, offset: int) -> str:
        payload = json.dumps(
            {"v": CURSOR_VERSION, "i": item_id[:8], "s": since_day, "t": until_day, "o": offset},
            separators=(",", ":"),
        )
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    @staticmethod
    def decode_cursor(cursor: str, item_id: str) -> tuple[int, int, int]:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if payload["v"] != CURSOR_VERSION or payload["i"] != item_id[:8]:
                raise ValueError
            return int(payload["s"]), int(payload["t"]), int(payload["o"])
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise errors.invalid_field(
                "cursor is invalid: pass a next_cursor from this item"
            ) from None

    def transactions_sync(
        self, item: ItemRecord, body: dict[str, object], mutation: bool
    ) -> dict[str, object]:
        cursor = body.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise errors.invalid_field("cursor must be a string")
        count = _bounded_int(body.get("count"), "count", 1, MAX_SYNC_COUNT, DEFAULT_PAGE_COUNT)
        self._require_product(item, "transactions")
        today = self.today_number
        since, until, offset = (-1, today, 0)
        if cursor:
            since, until, offset = self.decode_cursor(cursor, item.item_id)
            if offset > 0 and (until != today or mutation):
                # The world moved on while the client was paging (or the fault says so).
                raise errors.sync_mutation()
            if offset == 0:
                until = today
        accounts = self._accounts(item)
        by_position = {a.position: a for a in accounts if a.type in {"depository", "credit"}}
        # The whole client block, so that pending_row (an index into it) stays valid.
        start, total = item.bank_block
        rows = np.asarray(self.store.bank[start : start + total])
        in_item = np.isin(rows["account_position"], list(by_position))
        appear, modified, removed = rows["appear_day"], rows["modified_day"], rows["removed_day"]
        visible = in_item & (appear <= until) & ((removed < 0) | (removed > until))
        if since < 0:
            added_mask = visible
            modified_mask = np.zeros(len(rows), dtype=bool)
            removed_mask = np.zeros(len(rows), dtype=bool)
        else:
            added_mask = visible & (appear > since)
            modified_mask = visible & (appear <= since) & (modified > since) & (modified <= until)
            removed_mask = in_item & (appear <= since) & (removed > since) & (removed <= until)
        changes = [("added", i) for i in np.flatnonzero(added_mask).tolist()]
        changes += [("modified", i) for i in np.flatnonzero(modified_mask).tolist()]
        changes += [("removed", i) for i in np.flatnonzero(removed_mask).tolist()]
        page = changes[offset : offset + count]
        has_more = offset + count < len(changes)
        result: dict[str, list] = {"added": [], "modified": [], "removed": []}
        for change, index in page:
            record = rows[index]
            account_id = by_position[int(record["account_position"])].account_id
            if change == "removed":
                result["removed"].append(
                    {"transaction_id": record["transaction_id"].decode(), "account_id": account_id}
                )
            else:
                result[change].append(self._transaction_json(rows, index, account_id, until))
        next_cursor = (
            self.encode_cursor(item.item_id, since, until, offset + count)
            if has_more
            else self.encode_cursor(item.item_id, until, until, 0)
        )
        return {
            "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
            "accounts": [self.account_json(a) for a in accounts],
            "added": result["added"],
            "modified": result["modified"],
            "removed": result["removed"],
            "next_cursor": next_cursor,
            "has_more": has_more,
        }

    def _transaction_json(
        self, rows: np.ndarray, index: int, account_id: str, until: int
    ) -> dict[str, object]:
        record = rows[index]
        description = int(record["description"])
        if 0 <= record["modified_day"] <= until:
            description = int(record["modified_description"])
        name, merchant, primary, detailed, channel = self.store.descriptions[description]
        day = self.store.date_of(int(record["day"])).isoformat()
        pending_row = int(record["pending_row"])
        return {
            "account_id": account_id,
            "account_owner": None,
            "amount": _usd(int(record["amount_cents"])),
            "iso_currency_code": CURRENCY,
            "unofficial_currency_code": None,
            "category": None,
            "category_id": None,
            "check_number": None,
            "counterparties": [],
            "date": day,
            "datetime": None,
            "authorized_date": day,
            "authorized_datetime": None,
            "location": {
                "address": None,
                "city": None,
                "region": None,
                "postal_code": None,
                "country": None,
                "lat": None,
                "lon": None,
                "store_number": None,
            },
            "logo_url": None,
            "merchant_entity_id": None,
            "merchant_name": merchant,
            "name": name,
            "original_description": None,
            "payment_channel": channel,
            "payment_meta": {
                "reference_number": None,
                "ppd_id": None,
                "payee": None,
                "by_order_of": None,
                "payer": None,
                "payment_method": None,
                "payment_processor": None,
                "reason": None,
            },
            "pending": bool(record["pending"]),
            "pending_transaction_id": (
                rows[pending_row]["transaction_id"].decode() if pending_row >= 0 else None
            ),
            "personal_finance_category": {
                "primary": primary,
                "detailed": detailed,
                "confidence_level": "VERY_HIGH",
            },
            "transaction_code": None,
            "transaction_id": record["transaction_id"].decode(),
            "website": None,
        }
