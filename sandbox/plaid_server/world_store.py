"""Read-only access to a built world's Plaid data (see sandbox.plaid_store).

SQLite connections are per thread (the server is threaded); the record files are
memory-mapped once and shared, so the server's memory does not grow with the world.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sandbox.plaid_store import STORE_RELATIVE_PATH, open_records


@dataclass(frozen=True)
class ItemRecord:
    item_id: str
    client_id: str
    institution_id: str
    institution_name: str
    products: tuple[str, ...]
    is_deleted: bool
    bank_block: tuple[int, int]
    investment_block: tuple[int, int]
    lot_block: tuple[int, int]


@dataclass(frozen=True)
class AccountRecord:
    account_id: str
    position: int
    kind: str
    type: str
    subtype: str
    name: str
    official_name: str
    mask: str
    limit_cents: int | None
    current_cents: tuple[int, ...]
    available_cents: tuple[int | None, ...]
    liability: dict[str, object] | None


@dataclass(frozen=True)
class SecurityRecord:
    index: int
    key: str
    security_id: str
    name: str
    ticker_symbol: str | None
    type: str
    is_cash_equivalent: bool
    figi: str | None
    cusip: str | None
    isin: str | None
    sector: str | None
    industry: str | None


class WorldStore:
    """The Plaid data of one built world."""

    def __init__(self, world_dir: Path) -> None:
        self.world_dir = Path(world_dir)
        self.path = self.world_dir / STORE_RELATIVE_PATH
        if not self.path.is_file():
            raise FileNotFoundError(
                f"no Plaid store at {self.path}; build the world first "
                "(python -m sandbox build --out DIR ...)"
            )
        self._local = threading.local()
        meta = dict(self._db().execute("select key, value from meta").fetchall())
        self.as_of = dt.date.fromisoformat(meta["as_of"])
        self.history_start = dt.date.fromisoformat(meta["history_start"])
        self.snapshot_start = dt.date.fromisoformat(meta["snapshot_start"])
        self.bank = open_records(self.world_dir, "bank")
        self.investment = open_records(self.world_dir, "investment")
        self.lots = open_records(self.world_dir, "lot")
        self.securities = [
            SecurityRecord(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), *row[7:])
            for row in self._db().execute("select * from securities order by security_index")
        ]
        self.descriptions = (
            self._db()
            .execute(
                "select name, merchant_name, pfc_primary, pfc_detailed, payment_channel "
                "from descriptions order by description_index"
            )
            .fetchall()
        )
        self.investment_kinds = (
            self._db()
            .execute(
                "select type, subtype, name_template from investment_kinds order by kind_index"
            )
            .fetchall()
        )
        self._closes = {
            (index, date): cents
            for index, date, cents in self._db().execute("select * from prices")
        }

    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            self._local.connection = connection
        return connection

    def day_number(self, day: dt.date) -> int:
        return (day - self.history_start).days

    def date_of(self, day_number: int) -> dt.date:
        return self.history_start + dt.timedelta(days=day_number)

    def snapshot_position(self, day: dt.date) -> int:
        return (day - self.snapshot_start).days

    def close_cents(self, security_index: int, day: dt.date) -> int:
        return self._closes[(security_index, day.isoformat())]

    def item_for_token(self, access_token: str) -> ItemRecord | None:
        row = (
            self._db()
            .execute(
                "select i.item_id, i.client_id, i.institution_id, i.institution_name, i.products, "
                "c.is_deleted, c.bank_start, c.bank_count, c.investment_start, c.investment_count, "
                "c.lot_start, c.lot_count from items i join clients c using (client_id) "
                "where i.access_token = ?",
                (access_token,),
            )
            .fetchone()
        )
        if row is None:
            return None
        return ItemRecord(
            row[0],
            row[1],
            row[2],
            row[3],
            tuple(row[4].split(",")),
            bool(row[5]),
            (row[6], row[7]),
            (row[8], row[9]),
            (row[10], row[11]),
        )

    def accounts_of(self, item_id: str) -> list[AccountRecord]:
        rows = (
            self._db()
            .execute(
                "select account_id, position, kind, type, subtype, name, official_name, mask, "
                "limit_cents, current_cents_json, available_cents_json, liability_json "
                "from accounts where item_id = ? order by position",
                (item_id,),
            )
            .fetchall()
        )
        return [
            AccountRecord(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                row[8],
                tuple(json.loads(row[9])),
                tuple(json.loads(row[10])),
                json.loads(row[11]) if row[11] else None,
            )
            for row in rows
        ]

    def block(
        self, records: np.ndarray, block: tuple[int, int], positions: list[int]
    ) -> np.ndarray:
        """The client's rows of `records` that belong to accounts at `positions`."""
        start, count = block
        rows = np.asarray(records[start : start + count])
        return rows[np.isin(rows["account_position"], positions)]

    def access_tokens(self, limit: int | None = None) -> list[tuple[str, str, str]]:
        """(access token, item id, client id) of live items, in client order."""
        statement = (
            "select i.access_token, i.item_id, i.client_id from items i join clients c "
            "using (client_id) where c.is_deleted = 0 order by i.client_id, i.item_id"
        )
        rows = self._db().execute(statement).fetchall()
        return rows[:limit] if limit else rows
