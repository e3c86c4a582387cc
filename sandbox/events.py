"""Product analytics events in Segment's spec (track, identify, page), as daily JSONL.

One file per day of arrival, `events/YYYY-MM-DD.jsonl`, named after `receivedAt`
(UTC). Like a real collector the stream is at-least-once and not in order: about
2% of events arrive one to three days late (their `timestamp` is earlier than the
file's day) and about 0.5% are delivered twice (same `messageId`, in a later file).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from pathlib import Path

import numpy as np

from sandbox.clock import WorldCalendar
from sandbox.households import ClientProfile
from sandbox.seeding import Stream, rng_for

LATE_SHARE = 0.02
DUPLICATE_SHARE = 0.005
APP_PAGES = ("Net Worth", "Opportunities", "Accounts", "Documents", "Equity", "Advisors")
LIBRARY = {"name": "analytics.js", "version": "5.2.0"}
USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
)
UTM_SOURCE_BY_CHANNEL = {
    "paid_search": ("google", "cpc"),
    "social": ("instagram", "paid_social"),
    "podcast": ("podcast", "audio"),
}


def _iso_ms(moment: dt.datetime) -> str:
    """UTC timestamp with milliseconds and a Z, as Segment writes them (input is UTC)."""
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


class EventLog:
    """Collects JSON lines per arrival day, then writes the files in a stable order."""

    def __init__(self, calendar: WorldCalendar) -> None:
        self.calendar = calendar
        self.lines_by_day: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        self.count = 0

    def client_events(
        self,
        profile: ClientProfile,
        seed: int,
        milestones: list[tuple[dt.datetime, str, dict[str, object]]],
    ) -> list[tuple[str, str, str, str]]:
        """All events of one client: visits, sign-up, milestones (track), app sessions.

        Returns (arrival day, receivedAt, messageId, JSON line) tuples for `merge`.
        """
        self.lines: list[tuple[str, str, str, str]] = []
        rng = rng_for(seed, Stream.EVENTS, profile.number)
        anonymous_id = str(uuid.UUID(bytes=rng.bytes(16), version=4))
        user_agent = USER_AGENTS[int(rng.integers(0, len(USER_AGENTS)))]
        ip = f"203.0.113.{int(rng.integers(1, 255))}"  # TEST-NET-3: never a real address
        context: dict[str, object] = {"library": LIBRARY, "userAgent": user_agent, "ip": ip}
        campaign = UTM_SOURCE_BY_CHANNEL.get(profile.signup_channel)
        end = profile.deleted_at or self.calendar.end_of_day_utc()
        signup = profile.created_at
        events: list[tuple[dt.datetime, dict[str, object]]] = []

        for _ in range(int(rng.integers(1, 5))):
            seen = signup - dt.timedelta(seconds=int(rng.integers(60, 14 * 86_400)))
            page_context = dict(context)
            if campaign:
                page_context["campaign"] = {
                    "source": campaign[0],
                    "medium": campaign[1],
                    "name": "wealth_advice_2025",
                }
            events.append(
                (
                    seen,
                    {
                        "type": "page",
                        "name": "Landing",
                        "userId": None,
                        "properties": {
                            "path": "/",
                            "title": "Landing",
                            "url": "https://app.example/",
                        },
                        "context": page_context,
                    },
                )
            )
        traits = {
            "email": profile.email,
            "state": profile.state,
            "signup_channel": profile.signup_channel,
            "created_at": signup.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        events.append(
            (
                signup,
                {
                    "type": "identify",
                    "userId": profile.client_id,
                    "traits": traits,
                    "context": context,
                },
            )
        )
        events.append(
            (
                signup + dt.timedelta(seconds=1),
                {
                    "type": "track",
                    "event": "Signed Up",
                    "userId": profile.client_id,
                    "properties": {"signup_channel": profile.signup_channel},
                    "context": context,
                },
            )
        )
        for moment, event_name, properties in milestones:
            if signup <= moment <= end:
                events.append(
                    (
                        moment,
                        {
                            "type": "track",
                            "event": event_name,
                            "userId": profile.client_id,
                            "properties": properties,
                            "context": context,
                        },
                    )
                )
        # Weekly sessions, with retention decaying from the sign-up week.
        weeks = int((end - signup).total_seconds() // (7 * 86_400))
        if weeks > 0:
            active = rng.random(weeks) < 0.05 + 0.6 * 0.9 ** np.arange(weeks)
            offsets = rng.integers(0, 7 * 86_400, size=weeks)
            pages = rng.integers(0, len(APP_PAGES), size=weeks)
            for week in np.flatnonzero(active).tolist():
                moment = signup + dt.timedelta(weeks=week, seconds=int(offsets[week]))
                for position, page in enumerate(("Dashboard", APP_PAGES[int(pages[week])])):
                    path = "/" + page.lower().replace(" ", "-")
                    events.append(
                        (
                            moment + dt.timedelta(seconds=40 * position),
                            {
                                "type": "page",
                                "name": page,
                                "userId": profile.client_id,
                                "properties": {
                                    "path": path,
                                    "title": page,
                                    "url": f"https://app.example{path}",
                                },
                                "context": context,
                            },
                        )
                    )

        last_instant = self.calendar.end_of_day_utc()
        delays = rng.random((len(events), 3)).tolist()
        id_bytes = rng.bytes(16 * len(events))
        # Contexts repeat within a client: serialise each once and splice it into lines.
        context_json: dict[int, str] = {}
        for index, ((moment, body), delay) in enumerate(zip(events, delays, strict=True)):
            message_id = str(uuid.UUID(bytes=id_bytes[16 * index : 16 * index + 16], version=4))
            moment = moment.replace(microsecond=int(delay[2] * 1000) * 1000)
            received = moment + dt.timedelta(seconds=1 + int(delay[0] * 5))
            if delay[1] < LATE_SHARE:
                received += dt.timedelta(days=1 + int(delay[0] * 3))
            if moment > end or received > last_instant:
                continue
            message = {
                "type": body["type"],
                "messageId": message_id,
                "anonymousId": anonymous_id,
                "userId": body.get("userId"),
                "timestamp": _iso_ms(moment),
            }
            for key in ("event", "name", "traits", "properties"):
                if key in body:
                    message[key] = body[key]
            context = body["context"]
            if id(context) not in context_json:
                context_json[id(context)] = json.dumps(
                    context, sort_keys=True, separators=(",", ":")
                )
            head = json.dumps(message, sort_keys=True, separators=(",", ":"))[:-1]
            tail = ',"context":' + context_json[id(context)] + ',"receivedAt":"'
            received_text = _iso_ms(received)
            self._add(received, received_text, message_id, head + tail + received_text + '"}')
            if delay[1] > 1 - DUPLICATE_SHARE:
                again = received + dt.timedelta(days=1)
                if again <= last_instant:
                    again_text = _iso_ms(again)
                    self._add(again, again_text, message_id, head + tail + again_text + '"}')
        return self.lines

    def _add(self, received: dt.datetime, received_text: str, message_id: str, line: str) -> None:
        self.lines.append((received_text[:10], received_text, message_id, line))

    def merge(self, lines: list[tuple[str, str, str, str]]) -> None:
        """Add lines produced by `client_events` (possibly in another process)."""
        for day, received, message_id, line in lines:
            self.lines_by_day[day].append((received, message_id, line))
        self.count += len(lines)

    def write(self, events_dir: Path) -> int:
        """Write one JSONL file per arrival day (lines in arrival order); returns files written."""
        events_dir.mkdir(parents=True, exist_ok=True)
        for day, lines in sorted(self.lines_by_day.items()):
            lines.sort()
            with (events_dir / f"{day}.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
                handle.writelines(line + "\n" for _, _, line in lines)
        return len(self.lines_by_day)
