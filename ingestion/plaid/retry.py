"""Capped exponential backoff with full jitter, and the retry loop around one call.

Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015):
the delay before attempt n+1 is uniform in [0, min(cap, base * 2**n)], which
spreads the retries of many workers hitting the same limit. `tenacity` is not
installed here, and the policy is ten lines, so it is written out and tested.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BackoffPolicy:
    """How often and how long to wait before calling again after a retryable failure."""

    max_attempts: int = 6
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 30.0

    def delay_seconds(self, retry_number: int, draw: Callable[[], float]) -> float:
        """Delay before retry `retry_number` (1 = the first retry); `draw` is uniform [0, 1)."""
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (retry_number - 1))
        return ceiling * draw()


@dataclass
class RetryClock:
    """Sleep and randomness of the retry loop, injectable so tests neither wait nor guess."""

    sleep: Callable[[float], None]
    draw: Callable[[], float] = random.random
