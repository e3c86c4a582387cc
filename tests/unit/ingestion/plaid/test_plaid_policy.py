"""Error classification, backoff, throttling and sync page application: pure functions."""

from __future__ import annotations

import json

import pytest

from ingestion.plaid.errors import Outcome, classify, failure_from_response, transport_failure
from ingestion.plaid.loaders import apply_sync_page
from ingestion.plaid.retry import BackoffPolicy
from ingestion.plaid.throttle import SlidingWindowLimiter


@pytest.mark.parametrize(
    ("error_type", "error_code", "outcome"),
    [
        ("RATE_LIMIT_EXCEEDED", "TRANSACTIONS_SYNC_LIMIT", Outcome.RETRY),
        ("API_ERROR", "INTERNAL_SERVER_ERROR", Outcome.RETRY),
        ("INSTITUTION_ERROR", "INSTITUTION_DOWN", Outcome.RETRY),
        ("ITEM_ERROR", "ITEM_LOGIN_REQUIRED", Outcome.NEEDS_RELINK),
        ("ITEM_ERROR", "ITEM_LOCKED", Outcome.NEEDS_RELINK),
        ("ITEM_ERROR", "PRODUCT_NOT_READY", Outcome.PRODUCT_NOT_READY),
        ("ITEM_ERROR", "PRODUCTS_NOT_SUPPORTED", Outcome.NOT_SUPPORTED),
        (
            "TRANSACTIONS_ERROR",
            "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
            Outcome.RESTART_SYNC,
        ),
        ("INVALID_INPUT", "INVALID_API_KEYS", Outcome.BAD_CREDENTIALS),
        ("INVALID_INPUT", "INVALID_ACCESS_TOKEN", Outcome.ITEM_FAILED),
        ("INVALID_REQUEST", "MISSING_FIELDS", Outcome.ITEM_FAILED),
    ],
)
def test_errors_are_classified_by_type_and_code(error_type, error_code, outcome) -> None:
    assert classify(error_type, error_code) is outcome


def test_failure_keeps_request_id_and_no_message() -> None:
    body = json.dumps(
        {
            "error_type": "ITEM_ERROR",
            "error_code": "ITEM_LOGIN_REQUIRED",
            "error_message": "token access-sandbox-secret is stale",
            "request_id": "req123",
        }
    )
    failure = failure_from_response(400, body)
    assert (failure.outcome, failure.request_id) == (Outcome.NEEDS_RELINK, "req123")
    assert "access-sandbox" not in failure.describe()


def test_answers_without_envelope_and_timeouts_are_retried() -> None:
    assert failure_from_response(502, b"<html>bad gateway</html>").outcome is Outcome.RETRY
    assert failure_from_response(429, None).outcome is Outcome.RETRY
    assert failure_from_response(404, b"").outcome is Outcome.ITEM_FAILED
    assert transport_failure(TimeoutError()).outcome is Outcome.RETRY


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    policy = BackoffPolicy(max_attempts=10, base_delay_seconds=0.5, max_delay_seconds=4.0)
    ceilings = [policy.delay_seconds(n, lambda: 0.999999) for n in range(1, 8)]
    assert ceilings == pytest.approx([0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0], rel=1e-5)
    assert policy.delay_seconds(3, lambda: 0.0) == 0.0
    assert policy.delay_seconds(3, lambda: 0.5) == pytest.approx(1.0)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_throttle_waits_for_the_oldest_request_to_leave_the_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(clock=clock, sleep=clock.sleep)
    for _ in range(3):
        assert limiter.acquire({"item a": 3, "client": 100}) == 0
    clock.now = 10.0
    waited = limiter.acquire({"item a": 3, "client": 100})
    assert waited == pytest.approx(50.0, abs=0.01)  # the first request leaves at 60 s
    assert limiter.acquire({"item b": 3, "client": 100}) == 0  # other items are not held up


def test_throttle_holds_every_item_under_the_client_limit() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(clock=clock, sleep=clock.sleep)
    for number in range(5):
        limiter.acquire({f"item {number}": 10, "client": 5})
    assert clock.sleeps == []
    limiter.acquire({"item 9": 10, "client": 5})
    assert clock.sleeps and clock.now >= 60.0


def test_sync_pages_apply_in_order() -> None:
    upserts: dict = {}
    removed: set = set()
    apply_sync_page(upserts, removed, {"added": [{"transaction_id": "p1", "amount": 5}]})
    apply_sync_page(
        upserts,
        removed,
        {
            "added": [{"transaction_id": "t1", "amount": 5}],
            "modified": [{"transaction_id": "t0", "amount": 7}],
            "removed": [{"transaction_id": "p1"}],
        },
    )
    assert set(upserts) == {"t1", "t0"} and removed == {"p1"}
    apply_sync_page(upserts, removed, {"removed": [{"transaction_id": "t1"}]})
    assert set(upserts) == {"t0"} and removed == {"p1", "t1"}
