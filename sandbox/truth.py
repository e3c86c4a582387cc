"""The truth files: the answers a correct pipeline must reach, as CSV under `truth/`.

Each writer takes already-computed values; formatting is fixed here (amounts with
two decimals, dates ISO, booleans `true`/`false`, UTC timestamps with `Z`) so the
files are byte-identical for the same world. Column definitions: sandbox/README.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from sandbox.clock import format_timestamp
from sandbox.households import ClientProfile

CLIENTS_COLUMNS: tuple[str, ...] = (
    "client_id",
    "state",
    "filing_status",
    "signup_channel",
    "annual_income_usd",
    "created_at",
    "is_deleted",
)


def format_usd(amount_usd: float) -> str:
    """Amount to the cent, without thousands separators (`-0.00` normalised to `0.00`)."""
    text = f"{amount_usd:.2f}"
    return "0.00" if text == "-0.00" else text


def format_bool(flag: bool) -> str:
    return "true" if flag else "false"


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a header and `rows` to `path` (LF line ends, UTF-8); returns data rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            written += 1
    return written


def client_truth_rows(profiles: Iterable[ClientProfile]) -> Iterable[tuple[str, ...]]:
    """Rows of truth/clients.csv, in the order given (callers pass client-id order)."""
    for profile in profiles:
        yield (
            profile.client_id,
            profile.state,
            profile.filing_status,
            profile.signup_channel,
            format_usd(profile.annual_income_usd),
            format_timestamp(profile.created_at),
            format_bool(profile.deleted_at is not None),
        )
