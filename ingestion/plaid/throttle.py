"""Client-side throttling under Plaid's per-item and per-client rate limits.

Plaid limits requests per endpoint in a rolling minute, per item and per
client (https://plaid.com/docs/errors/rate-limit-exceeded/). Waiting on our
side is cheaper than a 429 and its backoff, and keeps one busy item from
starving the others. `SlidingWindowLimiter` is a rolling-window counter per
key, thread-safe, with an injectable clock and sleep for tests.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class EndpointLimit:
    """Requests allowed per rolling minute for one endpoint, per item and per client."""

    per_item_per_minute: int
    per_client_per_minute: int


# Plaid's documented production limits (rate-limit-exceeded page, 2025), a
# little under each so that clock skew between us and Plaid does not cost a 429.
PLAID_PRODUCTION_LIMITS: dict[str, EndpointLimit] = {
    "/accounts/get": EndpointLimit(per_item_per_minute=14, per_client_per_minute=14_000),
    "/item/get": EndpointLimit(per_item_per_minute=14, per_client_per_minute=4_500),
    "/investments/holdings/get": EndpointLimit(
        per_item_per_minute=14, per_client_per_minute=14_000
    ),
    "/investments/transactions/get": EndpointLimit(
        per_item_per_minute=28, per_client_per_minute=5_500
    ),
    "/liabilities/get": EndpointLimit(per_item_per_minute=14, per_client_per_minute=14_000),
    "/transactions/sync": EndpointLimit(per_item_per_minute=48, per_client_per_minute=2_400),
}


@dataclass
class SlidingWindowLimiter:
    """Blocks `acquire(keys)` until every key has had fewer than its limit in the last minute."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _windows: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, limits: dict[str, int]) -> float:
        """Take one request slot under each `key: per_minute` limit; returns seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                wait = max(
                    (self._wait_for(key, limit, now) for key, limit in limits.items()), default=0.0
                )
                if wait <= 0:
                    for key, limit in limits.items():
                        if limit > 0:
                            self._windows.setdefault(key, deque()).append(now)
                    return waited
            self.sleep(wait)
            waited += wait

    def _wait_for(self, key: str, per_minute: int, now: float) -> float:
        if per_minute <= 0:
            return 0.0
        window = self._windows.setdefault(key, deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if len(window) < per_minute:
            return 0.0
        # The oldest request leaves the window at window[0] + 60 s.
        return window[0] + WINDOW_SECONDS - now + 1e-3
