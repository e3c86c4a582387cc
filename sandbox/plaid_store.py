"""The Plaid server's data, written by the build into `plaid/` of the world folder.

- `plaid.sqlite`: meta, securities, snapshot-window prices, clients (with the offsets
  of their rows in the binary files), items, accounts (with balances per snapshot
  day) and the description catalog.
- `bank_transactions.bin`, `investment_transactions.bin`, `lots.bin`: fixed-size
  records (numpy dtypes in sandbox.finances), each client's rows contiguous. Millions
  of rows are appended as raw bytes in seconds, where SQLite inserts would take
  minutes on a small machine; the server memory-maps them and slices one client's
  block per request.

Everything is written in client order, so the files are byte-identical for the
same world.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from sandbox.clock import WorldCalendar
from sandbox.finances import (
    BANK_TRANSACTION_DTYPE,
    DESCRIPTIONS,
    INVESTMENT_KINDS,
    INVESTMENT_TRANSACTION_DTYPE,
    LOT_DTYPE,
    ClientFinances,
)
from sandbox.market import SECURITIES, Market

STORE_DIR = Path("plaid")
STORE_RELATIVE_PATH = STORE_DIR / "plaid.sqlite"
BANK_FILE = "bank_transactions.bin"
INVESTMENT_FILE = "investment_transactions.bin"
LOT_FILE = "lots.bin"
RECORD_FILES: dict[str, tuple[str, np.dtype]] = {
    "bank": (BANK_FILE, BANK_TRANSACTION_DTYPE),
    "investment": (INVESTMENT_FILE, INVESTMENT_TRANSACTION_DTYPE),
    "lot": (LOT_FILE, LOT_DTYPE),
}

SCHEMA = """
create table meta (key text primary key, value text not null);
create table securities (
    security_index integer primary key, security_key text not null unique,
    security_id text not null unique, name text not null, ticker_symbol text,
    type text not null, is_cash_equivalent integer not null, figi text, cusip text, isin text,
    sector text, industry text
);
create table prices (
    security_index integer not null, date text not null, close_cents integer not null,
    primary key (security_index, date)
) without rowid;
create table descriptions (
    description_index integer primary key, name text not null, merchant_name text,
    pfc_primary text not null, pfc_detailed text not null, payment_channel text not null
);
create table investment_kinds (
    kind_index integer primary key, type text not null, subtype text not null,
    name_template text not null
);
create table clients (
    client_id text primary key, is_deleted integer not null,
    bank_start integer not null, bank_count integer not null,
    investment_start integer not null, investment_count integer not null,
    lot_start integer not null, lot_count integer not null
);
create table items (
    item_id text primary key, client_id text not null, institution_id text not null,
    institution_name text not null, access_token text not null unique, products text not null,
    linked_at text not null
);
create table accounts (
    account_id text primary key, item_id text not null, client_id text not null,
    position integer not null, kind text not null, type text not null, subtype text not null,
    name text not null, official_name text not null, mask text not null, limit_cents integer,
    current_cents_json text not null, available_cents_json text not null, liability_json text
);
"""

INDEXES = """
create index accounts_by_item on accounts (item_id, position);
create index items_by_client on items (client_id);
"""


class PlaidStoreWriter:
    """Writes the world's Plaid data, client by client."""

    def __init__(self, world_dir: Path, calendar: WorldCalendar, market: Market, seed: int) -> None:
        store_dir = world_dir / STORE_DIR
        store_dir.mkdir(parents=True, exist_ok=True)
        path = world_dir / STORE_RELATIVE_PATH
        path.unlink(missing_ok=True)
        self.connection = sqlite3.connect(path)
        # The file is rebuilt from scratch on failure, so durability pragmas are off.
        self.connection.execute("pragma journal_mode = off")
        self.connection.execute("pragma synchronous = off")
        self.connection.executescript(SCHEMA)
        meta = {
            "seed": str(seed),
            "as_of": calendar.as_of.isoformat(),
            "history_start": calendar.history_start.isoformat(),
            "snapshot_start": calendar.snapshot_start.isoformat(),
        }
        self.connection.executemany("insert into meta values (?, ?)", sorted(meta.items()))
        self.connection.executemany(
            "insert into securities values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    number,
                    spec.key,
                    identity.security_id,
                    spec.name,
                    spec.ticker,
                    spec.security_type,
                    int(spec.is_cash_equivalent),
                    identity.figi,
                    identity.cusip,
                    identity.isin,
                    spec.sector,
                    spec.industry,
                )
                for number, (spec, identity) in enumerate(
                    zip(SECURITIES, market.identities, strict=True)
                )
            ],
        )
        self.connection.executemany(
            "insert into prices values (?, ?, ?)",
            [
                (number, day.isoformat(), market.close_usd_cents(spec.key, day))
                for number, spec in enumerate(SECURITIES)
                for day in calendar.snapshot_dates()
            ],
        )
        self.connection.executemany(
            "insert into descriptions values (?, ?, ?, ?, ?, ?)",
            [(number, *description) for number, description in enumerate(DESCRIPTIONS)],
        )
        self.connection.executemany(
            "insert into investment_kinds values (?, ?, ?, ?)",
            [(number, *kind) for number, kind in enumerate(INVESTMENT_KINDS)],
        )
        self.handles = {
            name: (store_dir / file_name).open("wb")
            for name, (file_name, _) in RECORD_FILES.items()
        }
        self.offsets = dict.fromkeys(RECORD_FILES, 0)
        self._rows: dict[str, list[tuple[object, ...]]] = {
            "clients": [],
            "items": [],
            "accounts": [],
        }

    def add_client(self, client_id: str, finances: ClientFinances, is_deleted: bool) -> None:
        blocks = {
            "bank": finances.bank_transactions,
            "investment": finances.investment_transactions,
            "lot": finances.lot_segments,
        }
        offsets = []
        for name, records in blocks.items():
            self.handles[name].write(records.tobytes())
            offsets += [self.offsets[name], len(records)]
            self.offsets[name] += len(records)
        self._rows["clients"].append((client_id, int(is_deleted), *offsets))
        for item in finances.items:
            self._rows["items"].append(
                (
                    item.item_id,
                    item.client_id,
                    item.institution.institution_id,
                    item.institution.name,
                    item.access_token,
                    ",".join(item.products),
                    item.linked_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                )
            )
        for position, account in enumerate(finances.accounts):
            liability = json.dumps(account.liability, sort_keys=True) if account.liability else None
            self._rows["accounts"].append(
                (
                    account.account_id,
                    account.item_id,
                    account.client_id,
                    position,
                    account.kind,
                    account.plaid_type,
                    account.plaid_subtype,
                    account.name,
                    account.official_name,
                    account.mask,
                    account.limit_cents,
                    json.dumps(account.current_cents),
                    json.dumps(account.available_cents),
                    liability,
                )
            )

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
        self.connection.executemany(
            "insert into clients values (?, ?, ?, ?, ?, ?, ?, ?)", self._rows["clients"]
        )
        self.connection.executemany(
            "insert into items values (?, ?, ?, ?, ?, ?, ?)", self._rows["items"]
        )
        self.connection.executemany(
            "insert into accounts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self._rows["accounts"],
        )
        self.connection.executescript(INDEXES)
        self.connection.commit()
        self.connection.close()


def open_records(world_dir: Path, name: str) -> np.ndarray:
    """Memory-map one record file of a built world (read-only)."""
    file_name, dtype = RECORD_FILES[name]
    path = world_dir / STORE_DIR / file_name
    if path.stat().st_size == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r")
