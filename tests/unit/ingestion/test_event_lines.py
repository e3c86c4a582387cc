"""Parsing and protecting single Segment event lines (no database)."""

import json
from collections import Counter

import pytest

from ingestion.events.segment import LineProblem, parse_line, to_raw_row
from privacy import EnvelopeCipher, Keyring, client_key

IDENTIFY = {
    "type": "identify",
    "messageId": "m-1",
    "anonymousId": "anon-1",
    "userId": "cl_000001",
    "timestamp": "2026-11-01T10:00:00.000Z",
    "receivedAt": "2026-11-01T10:00:02.000Z",
    "traits": {"email": "ada@example.com", "state": "NY", "favourite_colour": "green"},
    "context": {"ip": "203.0.113.9", "userAgent": "Mozilla/5.0", "library": {"name": "a.js"}},
}


def line(**changes: object) -> str:
    message = {**IDENTIFY, **changes}
    return json.dumps({key: value for key, value in message.items() if value is not ...})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "line is not valid JSON"),
        ("[1, 2]", "line is not a JSON object"),
        (line(messageId=...), "messageId is missing"),
        (line(type="alias"), "type 'alias' is not track, identify or page"),
        (line(timestamp=...), "timestamp is missing"),
        (line(timestamp="yesterday"), "timestamp is not an ISO 8601 time"),
        (line(timestamp="2026-11-01T10:00:00"), "timestamp has no time zone"),
        (line(userId=None, anonymousId=None), "neither userId nor anonymousId is set"),
        (line(type="track"), "track message has no event name"),
        (line(userId=42), "userId is not a string"),
        (line(traits=["a"]), "traits is not a JSON object"),
        (line(userId=None), "identify message has no userId"),
        ('{"messageId": "m\\u0000"}', "NUL character"),
    ],
)
def test_malformed_lines_get_a_reason(text: str, reason: str) -> None:
    with pytest.raises(LineProblem, match=reason.replace("(", r"\(")):
        parse_line(text)


def test_a_reason_never_quotes_the_line() -> None:
    with pytest.raises(LineProblem) as problem:
        parse_line('{"email": "ada@example.com", oops}')
    assert "ada@example.com" not in str(problem.value)


def test_identifiers_are_encrypted_unknown_keys_dropped_and_client_key_computed() -> None:
    keyring = Keyring.generate()
    cipher = EnvelopeCipher(keyring)
    dropped: Counter[str] = Counter()
    row = to_raw_row(parse_line(line()), cipher, keyring.pepper, dropped)
    (message_id, event_type, _, _, user_id, key, anonymous_id, moment, _, _, context, traits) = row
    assert (message_id, event_type, user_id, anonymous_id) == ("m-1", "identify", "cl_000001",
                                                               "anon-1")  # fmt: skip
    assert key == client_key(keyring.pepper, "cl_000001")
    assert moment.isoformat() == "2026-11-01T10:00:00+00:00"
    assert "email" not in traits and "ip" not in context
    assert cipher.decrypt(traits["email_encrypted"], "raw_events.events.traits.email") == (
        "ada@example.com"
    )
    assert cipher.decrypt(context["ip_encrypted"], "raw_events.events.context.ip") == "203.0.113.9"
    assert traits["state"] == "NY" and context["library"] == {"name": "a.js"}
    assert dropped == Counter({"traits.favourite_colour": 1})


def test_anonymous_events_have_no_client_key() -> None:
    keyring = Keyring.generate()
    message = parse_line(line(type="page", userId=None, name="Landing", traits=...))
    row = to_raw_row(message, EnvelopeCipher(keyring), keyring.pepper, Counter())
    assert row[4] is None and row[5] is None and row[6] == "anon-1"
