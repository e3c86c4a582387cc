"""The world's calendar: as-of date, history window and the days the Plaid server serves.

Every date of the world derives from the single `as_of` date given to
`build_world`; nothing reads the wall clock, so a world built today and one built
next year from the same arguments are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

# Plaid returns up to 24 months of history when an item is linked.
HISTORY_DAYS = 730
# Days (ending at as-of) the offline Plaid server can be set to, and for which
# truth/net_worth_daily.csv holds one row per client: enough for a pipeline to take
# several daily snapshots and for transactions to change between them.
SNAPSHOT_DAYS = 14
# Client sign-ups are spread over the three years before as-of.
SIGNUP_SPAN_DAYS = 3 * 365


@dataclass(frozen=True)
class WorldCalendar:
    """The dates every generator and the Plaid server agree on."""

    as_of: dt.date

    @functools.cached_property
    def history_start(self) -> dt.date:
        """First day of account history (24 months before as-of, inclusive)."""
        return self.as_of - dt.timedelta(days=HISTORY_DAYS - 1)

    @property
    def snapshot_start(self) -> dt.date:
        """First day the Plaid server can be set to (and first truth date)."""
        return self.as_of - dt.timedelta(days=SNAPSHOT_DAYS - 1)

    def snapshot_dates(self) -> list[dt.date]:
        """Every day the Plaid server can serve, oldest first, ending at as-of."""
        return [self.snapshot_start + dt.timedelta(days=i) for i in range(SNAPSHOT_DAYS)]

    def history_dates(self) -> list[dt.date]:
        """Every day of account history, oldest first, ending at as-of."""
        return list(self._history_dates)

    @functools.cached_property
    def _history_dates(self) -> tuple[dt.date, ...]:
        return tuple(self.history_start + dt.timedelta(days=i) for i in range(HISTORY_DAYS))

    @functools.cached_property
    def history_iso_dates(self) -> tuple[str, ...]:
        """ISO texts of the history days (index = day number)."""
        return tuple(day.isoformat() for day in self._history_dates)

    @functools.cache  # noqa: B019 - the calendar is a small immutable value
    def month_day_indexes(self, day_of_month: int) -> tuple[int, ...]:
        """History day numbers of `day_of_month` (at most 28) in every month of the history."""
        days = []
        month = self.history_start.replace(day=1)
        while month <= self.as_of:
            day = self.day_index(month.replace(day=min(day_of_month, 28)))
            if 0 <= day < HISTORY_DAYS:
                days.append(day)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return tuple(days)

    def day_index(self, day: dt.date) -> int:
        """Position of `day` in the history (0 = history_start)."""
        return (day - self.history_start).days

    def end_of_day_utc(self) -> dt.datetime:
        """Latest instant of the world: as-of 23:59:59 UTC; no timestamp is later."""
        return dt.datetime.combine(self.as_of, dt.time(23, 59, 59), tzinfo=dt.UTC)


def format_timestamp(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with seconds, the one timestamp format of every output file."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
