"""Loaders of Plaid data into `raw_plaid`, one per product, correct under faults.

Each loader takes a `PlaidClient`, a warehouse connection (as `wdp_loader`),
the items and the key ring, and returns a `PlaidLoadResult`. Items are fetched
and turned into rows by a small thread pool (the client's throttle, not the
pool, bounds the request rate) and written by the calling thread in batches
of up to `WRITE_BATCH_ITEMS` items, one transaction per batch: the batch's data,
its items' health and (for /transactions/sync) their cursors commit together,
so a kill mid-run loses at most the batch being written and the items in
flight, and a re-run finishes the job without changing what was already
written. A batch is written as soon as it is full or the next item is not
fetched yet, so while Plaid is the bottleneck batches are small, and when the
warehouse is, few large COPY + merge round trips replace one per item (the
per-item pattern bounded the nightly pull by our writes: docs/benchmarks.md).

With `only_items_with_news` (the Dagster assets set it), an item is not asked
again about a product when its last call was for the same day (the snapshot's
day, or Plaid's today) and left it ok or needing relink, and no webhook about it
arrived since: a rerun of a day asks Plaid only about what is new or still
missing, as Plaid recommends for /transactions/sync. At 10,000 clients a rerun
otherwise spent five minutes at Plaid's limits learning nothing
(docs/benchmarks.md); the next day's run asks every item again.

Snapshots (balances, holdings with tax lots, liabilities) are keyed by
`as_of_date` and replace the item's rows of that day; transactions and
investment transactions are merged by id. Rows are rewritten only when their
fingerprint changed. A row Postgres cannot store (a NUL character in a text
Plaid sent) goes to `quarantine.rejected_records` with its reason, in the
transaction of its batch, and the rest of the batch is loaded.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from psycopg2 import sql
from psycopg2.extensions import connection as Connection
from psycopg2.extras import execute_batch

from ingestion.load import (
    UNSTORABLE_NUL_REASON,
    LoadResult,
    RejectedRecord,
    copy_merge,
    quarantine,
    record_load_end,
    record_load_start,
)
from ingestion.plaid import records
from ingestion.plaid.api import PlaidClient
from ingestion.plaid.errors import (
    Outcome,
    PlaidCallError,
    PlaidCredentialsError,
    PlaidFailure,
    classify,
)
from ingestion.plaid.items import PlaidItem, sql_text
from ingestion.plaid.records import RawTable, RowStamp, Sealer
from privacy import EnvelopeCipher, Keyring

logger = logging.getLogger(__name__)

SYNC_PAGE_COUNT = 500
INVESTMENT_PAGE_COUNT = 500
# Plaid keeps 24 months of investment transactions; a first load takes them all.
INVESTMENT_HISTORY_DAYS = 730
# Later loads re-read this many days before the newest loaded date: institutions
# post late and correct recent rows.
INVESTMENT_OVERLAP_DAYS = 30
MAX_SYNC_RESTARTS = 5
MAX_PAGINATION_RESTARTS = 3
# One transaction writes at most this many items or (about) this many rows: big
# enough that the per-statement round trips vanish, small enough that a kill
# loses little and a batch's COPY stays a few MB.
WRITE_BATCH_ITEMS = 100
WRITE_BATCH_ROWS = 20_000

ITEM_PRODUCT = "item"
"""`raw_plaid.item_product_health.product` of the item's own health (its login)."""

HEALTH_BY_OUTCOME = {
    Outcome.NEEDS_RELINK: "needs_relink",
    Outcome.PRODUCT_NOT_READY: "product_not_ready",
    Outcome.NOT_SUPPORTED: "ok",
}

Fetched = TypeVar("Fetched")


class PlaidUnavailableError(RuntimeError):
    """Every item failed with a retryable error: Plaid (or the network) is down; run again later."""


@dataclass
class PlaidLoadResult:
    """What one product load did: items by health, rows per table, API calls."""

    load_id: uuid.UUID
    product: str
    as_of_date: dt.date | None
    items_ok: int = 0
    items_needs_relink: int = 0
    items_product_not_ready: int = 0
    items_failed: int = 0
    rows_written: Counter[str] = field(default_factory=Counter)
    rows_received: Counter[str] = field(default_factory=Counter)
    # Rows Postgres cannot store (a NUL in a text), per table: in quarantine.rejected_records.
    rows_quarantined: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    sync_restarts: int = 0
    api_calls: dict[str, int] = field(default_factory=dict)
    # check_items only: items not asked because a product call of this run recorded their health.
    items_health_already_known: int = 0
    # only_items_with_news: items not asked, already loaded for the day with no webhook since.
    items_without_news: int = 0

    @property
    def items_total(self) -> int:
        return (
            self.items_ok
            + self.items_needs_relink
            + self.items_product_not_ready
            + self.items_failed
        )


@dataclass(frozen=True)
class PlaidLoadContext:
    """What every loader needs besides its own arguments."""

    client: PlaidClient
    connection: Connection
    keyring: Keyring
    # Ask only items with news (see the module docstring); False asks every item.
    only_items_with_news: bool = False

    @property
    def sealer(self) -> Sealer:
        return Sealer(EnvelopeCipher(self.keyring), self.keyring.pepper)


def plaid_today(client: PlaidClient) -> dt.date:
    """The day Plaid serves: the offline sandbox's simulated today, else today (UTC)."""
    return client.served_today() or dt.datetime.now(dt.UTC).date()


# -- the products ------------------------------------------------------------------------


def load_balances(
    context: PlaidLoadContext, items: Sequence[PlaidItem], as_of_date: dt.date
) -> PlaidLoadResult:
    """/accounts/get per item: `raw_plaid.accounts` and the day's `raw_plaid.balances_daily`.

    /accounts/get returns the balances Plaid last refreshed (at least daily),
    which is what a nightly snapshot needs; /accounts/balance/get would force
    a real-time refresh, is billed per call and limited to 5 calls per item a minute.
    """
    sealer = context.sealer

    def rows_of(item: PlaidItem, response: dict[str, Any], stamp: RowStamp) -> ItemWrite:
        accounts = response.get("accounts") or []
        return ItemWrite(
            {
                records.ACCOUNTS: records.account_rows(
                    item.item_id, item.client_key, accounts, sealer, stamp
                ),
                records.BALANCES_DAILY: records.balance_rows(
                    item.item_id, as_of_date, accounts, stamp
                ),
            }
        )

    return _load_snapshot(
        context, items, "accounts", as_of_date, context.client.accounts_get, rows_of
    )


def load_holdings(
    context: PlaidLoadContext, items: Sequence[PlaidItem], as_of_date: dt.date
) -> PlaidLoadResult:
    """/investments/holdings/get: securities, the day's holdings and their tax lots."""

    def rows_of(item: PlaidItem, response: dict[str, Any], stamp: RowStamp) -> ItemWrite:
        holdings, lots = records.holding_rows(
            item.item_id, as_of_date, response.get("holdings") or [], stamp
        )
        return ItemWrite(
            {
                records.SECURITIES: records.security_rows(response.get("securities") or [], stamp),
                records.HOLDINGS_DAILY: holdings,
                records.HOLDING_TAX_LOTS_DAILY: lots,
            }
        )

    eligible = [item for item in items if "investments" in item.products]
    return _load_snapshot(
        context, eligible, "investments_holdings", as_of_date, context.client.holdings_get, rows_of
    )


def load_liabilities(
    context: PlaidLoadContext, items: Sequence[PlaidItem], as_of_date: dt.date
) -> PlaidLoadResult:
    """/liabilities/get: the day's credit cards (with APRs), mortgages and student loans."""
    sealer = context.sealer

    def rows_of(item: PlaidItem, response: dict[str, Any], stamp: RowStamp) -> ItemWrite:
        rows = records.liability_rows(
            item.item_id, as_of_date, response.get("liabilities") or {}, sealer, stamp
        )
        return ItemWrite(
            {
                records.LIABILITIES_CREDIT: rows.credit,
                records.LIABILITIES_CREDIT_APRS: rows.credit_aprs,
                records.LIABILITIES_MORTGAGE: rows.mortgage,
                records.LIABILITIES_STUDENT: rows.student,
            }
        )

    eligible = [item for item in items if "liabilities" in item.products]
    return _load_snapshot(
        context, eligible, "liabilities", as_of_date, context.client.liabilities_get, rows_of
    )


def load_investment_transactions(
    context: PlaidLoadContext, items: Sequence[PlaidItem], end_date: dt.date
) -> PlaidLoadResult:
    """/investments/transactions/get, every page, from 24 months back (first load) or
    `INVESTMENT_OVERLAP_DAYS` before the newest loaded date, to `end_date`."""
    with context.connection.cursor() as cursor:
        cursor.execute(sql_text("select_investment_transaction_last_dates.sql"))
        last_dates = dict(cursor.fetchall())
    context.connection.rollback()

    def fetch(item: PlaidItem) -> dict[str, Any]:
        last = last_dates.get(item.item_id)
        start = (
            last - dt.timedelta(days=INVESTMENT_OVERLAP_DAYS)
            if last
            else end_date - dt.timedelta(days=INVESTMENT_HISTORY_DAYS)
        )
        return _all_investment_transactions(context.client, item, min(start, end_date), end_date)

    def rows_of(item: PlaidItem, fetched: dict[str, Any], stamp: RowStamp) -> ItemWrite:
        return ItemWrite(
            {
                records.SECURITIES: records.security_rows(fetched["securities"], stamp),
                records.INVESTMENT_TRANSACTIONS: records.investment_transaction_rows(
                    item.item_id, fetched["investment_transactions"], stamp
                ),
            }
        )

    eligible = [item for item in items if "investments" in item.products]
    result = PlaidLoadResult(
        load_id=uuid.uuid4(), product="investments_transactions", as_of_date=end_date
    )
    _run_items(context, eligible, result, fetch, rows_of, checked_for_day=end_date)
    return result


def sync_transactions(
    context: PlaidLoadContext, items: Sequence[PlaidItem], page_count: int = SYNC_PAGE_COUNT
) -> PlaidLoadResult:
    """/transactions/sync from each item's stored cursor until `has_more` is false.

    The pages of one sync are applied in order in memory (an id added then
    removed is removed), then written with the final cursor in one
    transaction. TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION throws the
    pages away and starts again from the stored cursor, as Plaid requires.
    """
    with context.connection.cursor() as cursor:
        cursor.execute(sql_text("select_sync_cursors.sql"))
        stored_cursors = dict(cursor.fetchall())
    context.connection.rollback()
    result = PlaidLoadResult(load_id=uuid.uuid4(), product="transactions", as_of_date=None)
    sealer = context.sealer

    def fetch(item: PlaidItem) -> SyncedChanges:
        return _sync_item(context.client, item, stored_cursors.get(item.item_id), page_count)

    def rows_of(item: PlaidItem, changes: SyncedChanges, stamp: RowStamp) -> ItemWrite:
        rows = [
            records.transaction_row(item.item_id, t, sealer, stamp)
            for t in changes.upserts.values()
        ]
        return ItemWrite(
            {records.TRANSACTIONS: rows},
            removed_transaction_ids=changes.removed_ids,
            next_cursor=changes.next_cursor,
            sync_restarts=changes.restarts,
        )

    eligible = [item for item in items if "transactions" in item.products]
    _run_items(
        context, eligible, result, fetch, rows_of, checked_for_day=plaid_today(context.client)
    )
    return result


def check_items(
    context: PlaidLoadContext,
    items: Sequence[PlaidItem],
    unchecked_since: dt.datetime | None = None,
) -> PlaidLoadResult:
    """/item/get per item: its health even when no product call reached it.

    Every product call records the item's own health too (`_record_health`):
    an answer proves the login works, an item error disproves it. With
    `unchecked_since`, items whose health was recorded at or after that time
    (by this run's product calls) are not asked again: at 10,000 clients the
    nightly otherwise spent 37,059 calls and, at Plaid's /item/get limit, eight
    minutes learning what the balance calls had already said (docs/benchmarks.md).

    Plaid answers /item/get with 200 and the item's own error (e.g.
    ITEM_LOGIN_REQUIRED) in `item.error`: that is a health verdict, not a failure.
    """
    if unchecked_since is not None:
        with context.connection.cursor() as cursor:
            cursor.execute(
                sql_text("select_items_checked_since.sql"), {"checked_since": unchecked_since}
            )
            checked = {item_id for (item_id,) in cursor.fetchall()}
        context.connection.rollback()
        unchecked = [item for item in items if item.item_id not in checked]
        already_known = len(items) - len(unchecked)
        items = unchecked
    else:
        already_known = 0

    def fetch(item: PlaidItem) -> dict[str, Any]:
        return context.client.item_get(item)

    def rows_of(item: PlaidItem, response: dict[str, Any], stamp: RowStamp) -> ItemWrite:
        error = (response.get("item") or {}).get("error")
        if error:
            return ItemWrite(
                failure=PlaidFailure(
                    outcome=classify(error.get("error_type"), error.get("error_code")),
                    error_type=str(error.get("error_type")),
                    error_code=str(error.get("error_code")),
                    request_id=response.get("request_id"),
                    http_status=200,
                )
            )
        return ItemWrite()

    result = PlaidLoadResult(
        load_id=uuid.uuid4(),
        product=ITEM_PRODUCT,
        as_of_date=None,
        items_health_already_known=already_known,
    )
    _run_items(context, items, result, fetch, rows_of, checked_for_day=plaid_today(context.client))
    return result


# -- fetching ----------------------------------------------------------------------------


@dataclass
class SyncedChanges:
    """One complete /transactions/sync of an item, pages applied in order."""

    upserts: dict[str, dict[str, Any]]
    removed_ids: set[str]
    next_cursor: str
    restarts: int


def _sync_item(
    client: PlaidClient, item: PlaidItem, stored_cursor: str | None, page_count: int
) -> SyncedChanges:
    restarts = 0
    while True:
        cursor = stored_cursor
        upserts: dict[str, dict[str, Any]] = {}
        removed: set[str] = set()
        try:
            while True:
                page = client.transactions_sync(item, cursor, page_count)
                apply_sync_page(upserts, removed, page)
                cursor = page["next_cursor"]
                if not page["has_more"]:
                    return SyncedChanges(upserts, removed, cursor, restarts)
        except PlaidCallError as error:
            if error.failure.outcome is not Outcome.RESTART_SYNC or restarts >= MAX_SYNC_RESTARTS:
                raise
            restarts += 1
            logger.info(
                "item %s: %s; restarting /transactions/sync from the stored cursor (%d)",
                item.item_id,
                error.failure.error_code,
                restarts,
            )


def apply_sync_page(
    upserts: dict[str, dict[str, Any]], removed: set[str], page: dict[str, Any]
) -> None:
    """Apply one page in Plaid's order: added and modified replace, removed deletes."""
    for transaction in [*(page.get("added") or []), *(page.get("modified") or [])]:
        upserts[transaction["transaction_id"]] = transaction
        removed.discard(transaction["transaction_id"])
    for gone in page.get("removed") or []:
        upserts.pop(gone["transaction_id"], None)
        removed.add(gone["transaction_id"])


def _all_investment_transactions(
    client: PlaidClient, item: PlaidItem, start: dt.date, end: dt.date
) -> dict[str, Any]:
    """Every page of the window; restarted if the total moved while paging (offsets shifted)."""
    for _ in range(MAX_PAGINATION_RESTARTS):
        transactions: dict[str, dict[str, Any]] = {}
        securities: dict[str, dict[str, Any]] = {}
        offset, total = 0, None
        while True:
            page = client.investment_transactions_get(
                item, start, end, offset, INVESTMENT_PAGE_COUNT
            )
            if total is not None and page["total_investment_transactions"] != total:
                break  # new rows arrived mid-way: offsets no longer line up
            total = page["total_investment_transactions"]
            for transaction in page["investment_transactions"]:
                transactions[transaction["investment_transaction_id"]] = transaction
            for security in page.get("securities") or []:
                securities[security["security_id"]] = security
            offset += len(page["investment_transactions"])
            if offset >= total or not page["investment_transactions"]:
                return {
                    "investment_transactions": list(transactions.values()),
                    "securities": list(securities.values()),
                }
    raise PlaidCallError(
        "/investments/transactions/get",
        PlaidFailure(Outcome.ITEM_FAILED, "PAGINATION", "TOTAL_KEPT_CHANGING", None, None),
        attempts=MAX_PAGINATION_RESTARTS,
    )


# -- the per-item loop ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFor:
    """The days a load's calls are for (raw_plaid.item_product_health.checked_for_day)."""

    product: dt.date  # the snapshot's day, or Plaid's today for the other products
    item: dt.date  # Plaid's today: the item's own health (product 'item')


@dataclass
class ItemWrite:
    """What one item's answer becomes: rows per table, or the item's own failure.

    Built in the fetching thread (row building and sealing overlap the writes);
    written by the calling thread with the other items of its batch.
    """

    rows: dict[RawTable, list[tuple[Any, ...]]] = field(default_factory=dict)
    failure: PlaidFailure | None = None
    removed_transaction_ids: set[str] = field(default_factory=set)
    # /transactions/sync only: the final cursor (has_more was false), saved with the rows.
    next_cursor: str | None = None
    sync_restarts: int = 0

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values()) + len(self.removed_transaction_ids)


def _load_snapshot(
    context: PlaidLoadContext,
    items: Sequence[PlaidItem],
    product: str,
    as_of_date: dt.date,
    fetch: Callable[[PlaidItem], dict[str, Any]],
    rows_of: Callable[[PlaidItem, dict[str, Any], RowStamp], ItemWrite],
) -> PlaidLoadResult:
    result = PlaidLoadResult(load_id=uuid.uuid4(), product=product, as_of_date=as_of_date)
    _run_items(
        context, items, result, fetch, rows_of, checked_for_day=as_of_date, snapshot_date=as_of_date
    )
    return result


def _run_items(
    context: PlaidLoadContext,
    items: Sequence[PlaidItem],
    result: PlaidLoadResult,
    fetch: Callable[[PlaidItem], Fetched],
    rows_of: Callable[[PlaidItem, Fetched, RowStamp], ItemWrite],
    checked_for_day: dt.date,
    snapshot_date: dt.date | None = None,
) -> None:
    """Fetch, build and write every item (the module docstring says how)."""
    connection = context.connection
    cipher = EnvelopeCipher(context.keyring)
    days = CheckedFor(product=checked_for_day, item=plaid_today(context.client))
    if context.only_items_with_news:
        items = _items_with_news(context, items, result, checked_for_day)
    audit = LoadResult(
        load_id=result.load_id, source_name=f"plaid/{result.product}", target_table="raw_plaid"
    )
    record_load_start(connection, audit)
    status = "failed"
    workers = context.client.settings.max_concurrent_items
    # Fetched items waiting to be written are bounded, so memory is too.
    max_in_flight = WRITE_BATCH_ITEMS + 2 * workers
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            queue = iter(items)
            in_flight: deque[tuple[PlaidItem, Future[ItemWrite]]] = deque()

            def submit_next() -> None:
                item = next(queue, None)
                if item is not None:
                    in_flight.append(
                        (item, pool.submit(_prepare_item, fetch, rows_of, item, result.load_id))
                    )

            for _ in range(max_in_flight):
                submit_next()
            batch: list[tuple[PlaidItem, ItemWrite]] = []
            batch_rows = 0
            try:
                while in_flight:
                    if batch and not in_flight[0][1].done():
                        # Write now rather than wait: the warehouse works while Plaid answers.
                        _write_batch(connection, cipher, batch, result, days, snapshot_date)
                        batch, batch_rows = [], 0
                    item, future = in_flight.popleft()
                    prepared = future.result()  # PlaidCredentialsError propagates: stop the run
                    submit_next()
                    batch.append((item, prepared))
                    batch_rows += prepared.row_count
                    if len(batch) >= WRITE_BATCH_ITEMS or batch_rows >= WRITE_BATCH_ROWS:
                        _write_batch(connection, cipher, batch, result, days, snapshot_date)
                        batch, batch_rows = [], 0
            except PlaidCredentialsError:
                # Items already fetched are kept: the next run need not fetch them again.
                _cancel(in_flight)
                if batch:
                    _write_batch(connection, cipher, batch, result, days, snapshot_date)
                raise
            except BaseException:
                _cancel(in_flight)
                raise
            if batch:
                _write_batch(connection, cipher, batch, result, days, snapshot_date)
        retryable_failures = result.items_failed
        if items and retryable_failures == len(items):
            raise PlaidUnavailableError(
                f"plaid/{result.product}: all {len(items)} items failed "
                f"({sorted(set(result.failures.values()))[:3]}); Plaid or the network is down, "
                "run again later."
            )
        status = "succeeded"
    finally:
        audit.rows_read = sum(result.rows_received.values())
        audit.rows_inserted = sum(result.rows_written.values())
        audit.rows_quarantined = sum(result.rows_quarantined.values())
        connection.rollback()
        record_load_end(connection, audit, status)
        connection.commit()


def _items_with_news(
    context: PlaidLoadContext,
    items: Sequence[PlaidItem],
    result: PlaidLoadResult,
    day: dt.date,
) -> list[PlaidItem]:
    """The items worth asking about `result.product` for `day`; counts the others."""
    with context.connection.cursor() as cursor:
        cursor.execute(
            sql_text("select_items_without_news.sql"), {"product": result.product, "day": day}
        )
        without_news = {item_id for (item_id,) in cursor.fetchall()}
    context.connection.rollback()
    with_news = [item for item in items if item.item_id not in without_news]
    result.items_without_news = len(items) - len(with_news)
    return with_news


def _cancel(in_flight: deque[tuple[PlaidItem, Future[ItemWrite]]]) -> None:
    for _, pending in in_flight:
        pending.cancel()


def _prepare_item(
    fetch: Callable[[PlaidItem], Fetched],
    rows_of: Callable[[PlaidItem, Fetched, RowStamp], ItemWrite],
    item: PlaidItem,
    load_id: uuid.UUID,
) -> ItemWrite:
    """Fetch one item and build its rows (in a pool thread); its own failure is a result."""
    try:
        fetched = fetch(item)
    except PlaidCallError as error:
        return ItemWrite(failure=error.failure)
    return rows_of(item, fetched, RowStamp(load_id=load_id, loaded_at=dt.datetime.now(dt.UTC)))


def _write_batch(
    connection: Connection,
    cipher: EnvelopeCipher,
    batch: Sequence[tuple[PlaidItem, ItemWrite]],
    result: PlaidLoadResult,
    days: CheckedFor,
    snapshot_date: dt.date | None,
) -> None:
    """One transaction: the batch's rows (one COPY + merge per table), removals, cursors, health."""
    stamp = RowStamp(load_id=result.load_id, loaded_at=dt.datetime.now(dt.UTC))
    written_items = [(item, prepared) for item, prepared in batch if prepared.failure is None]
    rows_by_table: dict[RawTable, list[tuple[Any, ...]]] = {}
    for _, prepared in written_items:
        for table, rows in prepared.rows.items():
            rows_by_table.setdefault(table, []).extend(rows)
    written: Counter[str] = Counter()
    quarantined: Counter[str] = Counter()
    try:
        for table, rows in rows_by_table.items():
            unstorable: list[tuple[Any, ...]] = []
            written[table.name] += _merge(connection, table, rows, unstorable)
            if unstorable:
                quarantined[table.name] += _quarantine_rows(
                    connection, cipher, table, unstorable, result
                )
            if snapshot_date is not None and "as_of_date" in table.key_columns:
                written[f"{table.name}_dropped"] += _drop_rows_not_received(
                    connection,
                    table,
                    [item.item_id for item, _ in written_items],
                    snapshot_date,
                    rows,
                )
        removed_ids = sorted(
            {gone for _, prepared in written_items for gone in prepared.removed_transaction_ids}
        )
        cursors = [
            {
                "item_id": item.item_id,
                "next_cursor": prepared.next_cursor,
                "synced_at": stamp.loaded_at,
                "load_id": str(stamp.load_id),
            }
            for item, prepared in written_items
            if prepared.next_cursor is not None
        ]
        with connection.cursor() as cursor:
            if removed_ids:
                cursor.execute(
                    sql_text("mark_transactions_removed.sql"),
                    {
                        "removed_at": stamp.loaded_at,
                        "load_id": str(stamp.load_id),
                        "transaction_ids": removed_ids,
                    },
                )
                written["transactions_removed"] += cursor.rowcount
            if cursors:
                execute_batch(cursor, sql_text("upsert_sync_cursor.sql"), cursors)
        _record_health(connection, batch, result, stamp, days)
        connection.commit()
    except Exception:
        connection.rollback()
        raise
    result.rows_written.update(written)
    result.rows_quarantined.update(quarantined)
    for item, prepared in batch:
        _tally_item(item, prepared, result)


def _tally_item(item: PlaidItem, prepared: ItemWrite, result: PlaidLoadResult) -> None:
    failure = prepared.failure
    if failure is None:
        for table, rows in prepared.rows.items():
            result.rows_received[table.name] += len(rows)
        if prepared.next_cursor is not None:
            result.rows_received["transactions_removed"] += len(prepared.removed_transaction_ids)
        result.sync_restarts += prepared.sync_restarts
    state = "ok" if failure is None else HEALTH_BY_OUTCOME.get(failure.outcome, "error")
    if state == "ok":
        result.items_ok += 1
    elif state == "needs_relink":
        result.items_needs_relink += 1
    elif state == "product_not_ready":
        result.items_product_not_ready += 1
    else:
        result.items_failed += 1
    if failure is not None:
        result.failures[item.item_id] = failure.describe()
        log = logger.info if state != "error" else logger.warning
        log("item %s %s: %s -> %s", item.item_id, result.product, failure.describe(), state)


def _record_health(
    connection: Connection,
    batch: Sequence[tuple[PlaidItem, ItemWrite]],
    result: PlaidLoadResult,
    stamp: RowStamp,
    days: CheckedFor,
) -> None:
    """Each item's product health, then its rollup row (which reads that health), in order.

    When the call answered or failed with an item error, the outcome is the
    item's own health too (product 'item'; see upsert_item_product_health.sql).
    """
    statement = (
        sql_text("upsert_item_product_health.sql").rstrip().rstrip(";")
        + "\n;\n"
        + sql_text("upsert_item_rollup.sql").rstrip().rstrip(";")
        + "\n"
    )
    parameters = []
    for item, prepared in batch:
        failure = prepared.failure
        state = "ok" if failure is None else HEALTH_BY_OUTCOME.get(failure.outcome, "error")
        is_problem = failure is not None and state != "ok"
        speaks_for_item = failure is None or failure.outcome is Outcome.NEEDS_RELINK
        parameters.append(
            {
                "item_id": item.item_id,
                "product": result.product,
                "item_product": (
                    ITEM_PRODUCT if speaks_for_item and result.product != ITEM_PRODUCT else None
                ),
                "health_state": state,
                "error_type": failure.error_type if is_problem else None,
                "error_code": failure.error_code if is_problem else None,
                "request_id": failure.request_id if is_problem else None,
                "checked_at": stamp.loaded_at,
                "checked_for_day": days.product,
                "item_checked_for_day": days.item,
                "client_id": item.client_id,
                "client_key": item.client_key,
                "institution_id": item.institution_id,
                "institution_name": item.institution_name,
                "load_id": str(stamp.load_id),
                "loaded_at": stamp.loaded_at,
            }
        )
    with connection.cursor() as cursor:
        execute_batch(cursor, statement, parameters, page_size=WRITE_BATCH_ITEMS)


# -- writing -------------------------------------------------------------------------------


def _merge(
    connection: Connection,
    table: RawTable,
    rows: list[tuple[Any, ...]],
    unstorable: list[tuple[Any, ...]],
) -> int:
    """Merge rows on the table's key; a row is rewritten only when its fingerprint moved.

    Rows Postgres cannot store (a NUL in a text) are appended to `unstorable`,
    and the others are merged.
    """
    if not rows:
        return 0
    rows = list({records.row_key(table, row): row for row in rows}.values())
    counts = copy_merge(
        connection,
        target_table=table.qualified_name,
        columns=table.columns,
        key_columns=table.key_columns,
        rows=rows,
        change_column="_row_sha256",
        unstorable_rows=unstorable,
    )
    return counts.inserted + counts.updated


def _quarantine_rows(
    connection: Connection,
    cipher: EnvelopeCipher,
    table: RawTable,
    rows: list[tuple[Any, ...]],
    result: PlaidLoadResult,
) -> int:
    """Record rows Postgres cannot store in `quarantine.rejected_records`, in the batch's
    transaction: reference `<table>:<key>`, the row (encrypted) as payload."""
    rejected = [
        RejectedRecord(
            source_reference=_quarantine_reference(table, row),
            quarantine_reason=f"{UNSTORABLE_NUL_REASON}; the rest of the batch was loaded",
            payload=dict(zip(table.source_columns, row, strict=False)),
        )
        for row in rows
    ]
    for record in rejected:
        # The reference names the table and key only: no field value reaches the log.
        logger.warning(
            "plaid/%s: %s quarantined: %s",
            result.product,
            record.source_reference,
            UNSTORABLE_NUL_REASON,
        )
    return quarantine(
        connection,
        cipher,
        load_id=result.load_id,
        source_name=f"plaid/{result.product}",
        records=rejected,
    )


def _quarantine_reference(table: RawTable, row: tuple[Any, ...]) -> str:
    """`raw_plaid.<table>:<key>`; a NUL in the key itself is spelled out (this is text too)."""
    key = "/".join(str(value) for value in records.row_key(table, row))
    return f"{table.qualified_name}:{key}".replace("\x00", "\\x00")


def _drop_rows_not_received(
    connection: Connection,
    table: RawTable,
    item_ids: Sequence[str],
    as_of_date: dt.date,
    rows: list[tuple[Any, ...]],
) -> int:
    """Replace the items' snapshot of the day: rows no longer reported (a sold holding) go.

    A row stays when its item reported a row with its fingerprint in this batch;
    an item of `item_ids` that reported no row of the table loses all of its day.
    """
    item_at = table.columns.index("item_id")
    fingerprint_at = table.columns.index("_row_sha256")
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "delete from {} as t where t.item_id = any(%s) and t.as_of_date = %s "
                "and not exists (select from unnest(%s::text[], %s::text[]) as kept(item_id, sha) "
                "where kept.item_id = t.item_id and kept.sha = t._row_sha256)"
            ).format(sql.Identifier("raw_plaid", table.name)),
            (
                list(item_ids),
                as_of_date,
                [row[item_at] for row in rows],
                [row[fingerprint_at] for row in rows],
            ),
        )
        return cursor.rowcount


class SnapshotDateError(ValueError):
    """A snapshot of a day Plaid cannot serve (the past, against the real Plaid)."""


def resolve_snapshot_date(client: PlaidClient, requested: dt.date | None) -> dt.date:
    """The day a snapshot load captures, moving the offline sandbox's clock to it.

    Plaid answers with the data of today only, so a past day (a backfill) can be
    captured only from the offline sandbox, whose simulated clock is set to it.
    Without a requested day the snapshot is of Plaid's today.
    """
    served_today = client.served_today()
    if requested is None:
        return served_today or dt.datetime.now(dt.UTC).date()
    if client.settings.is_offline_sandbox:
        client.set_served_today(requested)
        return requested
    today = dt.datetime.now(dt.UTC).date()
    # The nightly run (02:00 New York) loads the day that just ended: what Plaid
    # serves in the early morning is that day's closing snapshot.
    if requested not in (today, today - dt.timedelta(days=1)):
        raise SnapshotDateError(
            f"Plaid serves the current balances, holdings and liabilities only, so the "
            f"partition {requested} cannot be captured on {today}; materialize today's or "
            "yesterday's partition (older days can be backfilled from the offline sandbox only)."
        )
    return requested
