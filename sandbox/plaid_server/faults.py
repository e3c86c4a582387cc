"""Fault injection for the offline Plaid server: the `--faults` spec and its state.

Spec syntax: comma-separated `key=value` pairs (lists use `|`), for example
`seed=7,error_500_rate=0.2,rate_limit_item_per_minute=30,item_login_required_rate=0.05`.
Keys and meanings are listed in FAULT_KEYS and in sandbox/README.md. Random faults
draw from one `random.Random(seed)`; per-item choices (`*_rate` for items) hash the
item id with the seed, so the same items are broken on every run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

FAULT_KEYS: dict[str, str] = {
    "seed": "seed of the fault randomness (int, default 0)",
    "rate_limit_item_per_minute": "requests per item per rolling minute before 429 (0: off)",
    "rate_limit_client_per_minute": "requests per client_id per rolling minute before 429 (0: off)",
    "error_500_rate": "share of requests answered 500 INTERNAL_SERVER_ERROR",
    "rate_limit_rate": "share of requests answered 429 RATE_LIMIT_EXCEEDED (a burst elsewhere)",
    "institution_down_rate": "share of requests answered INSTITUTION_DOWN",
    "institution_down": "institution ids (a|b) that are always down",
    "slow_rate": "share of requests delayed by slow_ms",
    "slow_ms": "delay of slow responses in milliseconds (default 500)",
    "timeout_rate": "share of requests that hang timeout_ms, then close without answer",
    "timeout_ms": "how long a timed-out request hangs (default 30000)",
    "item_login_required": "item ids (a|b) that need a new login",
    "item_login_required_rate": "share of items (chosen by hash) that need a new login",
    "product_not_ready": "item ids (a|b) whose investments/transactions are not ready",
    "product_not_ready_rate": "share of items (chosen by hash) whose products are not ready",
    "sync_mutation_rate": "share of /transactions/sync continuation pages that fail with "
    "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
    "nul_text_rate": "share of transactions (their name) and accounts (their official_name), "
    "chosen by hash, served with a NUL (\\x00) character in that text",
}

_RATES = (
    "error_500_rate",
    "rate_limit_rate",
    "institution_down_rate",
    "slow_rate",
    "timeout_rate",
    "item_login_required_rate",
    "product_not_ready_rate",
    "sync_mutation_rate",
    "nul_text_rate",
)
_COUNTS = (
    "seed",
    "rate_limit_item_per_minute",
    "rate_limit_client_per_minute",
    "slow_ms",
    "timeout_ms",
)
_LISTS = ("institution_down", "item_login_required", "product_not_ready")


@dataclass(frozen=True)
class FaultSpec:
    """Parsed `--faults` settings; the default injects nothing."""

    seed: int = 0
    rate_limit_item_per_minute: int = 0
    rate_limit_client_per_minute: int = 0
    error_500_rate: float = 0.0
    rate_limit_rate: float = 0.0
    institution_down_rate: float = 0.0
    institution_down: frozenset[str] = frozenset()
    slow_rate: float = 0.0
    slow_ms: int = 500
    timeout_rate: float = 0.0
    timeout_ms: int = 30_000
    item_login_required: frozenset[str] = frozenset()
    item_login_required_rate: float = 0.0
    product_not_ready: frozenset[str] = frozenset()
    product_not_ready_rate: float = 0.0
    sync_mutation_rate: float = 0.0
    nul_text_rate: float = 0.0

    @classmethod
    def parse(cls, spec: str | None) -> FaultSpec:
        """Parse `key=value,...`; raises ValueError naming the bad part."""
        values: dict[str, object] = {}
        for part in (spec or "").split(","):
            part = part.strip()
            if not part:
                continue
            key, separator, raw = part.partition("=")
            key, raw = key.strip(), raw.strip()
            if not separator or key not in FAULT_KEYS:
                known = ", ".join(sorted(FAULT_KEYS))
                raise ValueError(f"fault spec: unknown or malformed entry {part!r} (keys: {known})")
            try:
                if key in _RATES:
                    rate = float(raw)
                    if not 0.0 <= rate <= 1.0:
                        raise ValueError
                    values[key] = rate
                elif key in _COUNTS:
                    count = int(raw)
                    if count < 0:
                        raise ValueError
                    values[key] = count
                else:
                    values[key] = frozenset(v for v in raw.split("|") if v)
            except ValueError:
                kind = "a rate between 0 and 1" if key in _RATES else "an integer >= 0"
                raise ValueError(f"fault spec: {key} must be {kind}, got {raw!r}") from None
        return cls(**values)  # type: ignore[arg-type]

    def describe(self) -> str:
        """The non-default settings, in spec syntax."""
        parts = []
        for spec_field in dataclasses.fields(self):
            value = getattr(self, spec_field.name)
            if value == spec_field.default:
                continue
            if isinstance(value, frozenset):
                value = "|".join(sorted(value))
            parts.append(f"{spec_field.name}={value}")
        return ",".join(parts) or "none"


def _item_share(seed: int, purpose: str, item_id: str) -> float:
    digest = hashlib.sha256(f"{seed}:{purpose}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FaultState:
    """Mutable fault state of a running server (thread-safe)."""

    def __init__(self, spec: FaultSpec, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.replace(spec)

    def replace(self, spec: FaultSpec) -> None:
        with self._lock:
            self.spec = spec
            self._random = random.Random(spec.seed)
            self._windows: dict[str, deque[float]] = {}
            self._login_required: set[str] = set(spec.item_login_required)
            self._keyed_draws: dict[tuple[str, str], int] = {}

    def draw(self, rate: float) -> bool:
        """True with probability `rate` (seeded)."""
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def draw_for(self, rate: float, purpose: str, key: str) -> bool:
        """True with probability `rate`, decided by hash(seed, purpose, key, attempt).

        The nth request for the same key gets the same answer on every run,
        whatever order concurrent clients ask in; `draw` shares one random
        stream, so its answers move between requests when threads interleave.
        """
        if rate <= 0:
            return False
        with self._lock:
            attempt = self._keyed_draws.get((purpose, key), 0) + 1
            self._keyed_draws[(purpose, key)] = attempt
        return _item_share(self.spec.seed, f"{purpose}:{attempt}", key) < rate

    def over_limit(self, key: str, per_minute: int) -> bool:
        """Count a request for `key`; True when it exceeds `per_minute` in the last 60 s."""
        if per_minute <= 0:
            return False
        now = self._clock()
        with self._lock:
            window = self._windows.setdefault(key, deque())
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= per_minute:
                return True
            window.append(now)
            return False

    def needs_login(self, item_id: str) -> bool:
        with self._lock:
            if item_id in self._login_required:
                return True
        rate = self.spec.item_login_required_rate
        return rate > 0 and _item_share(self.spec.seed, "login", item_id) < rate

    def reset_login(self, item_id: str) -> None:
        """Plaid's /sandbox/item/reset_login: the item needs a new login from now on."""
        with self._lock:
            self._login_required.add(item_id)

    def has_nul_text(self, record_id: str) -> bool:
        """Whether the record (a transaction or account id) is served with a NUL in its text."""
        rate = self.spec.nul_text_rate
        return rate > 0 and _item_share(self.spec.seed, "nul_text", record_id) < rate

    def product_not_ready(self, item_id: str) -> bool:
        if item_id in self.spec.product_not_ready:
            return True
        rate = self.spec.product_not_ready_rate
        return rate > 0 and _item_share(self.spec.seed, "not_ready", item_id) < rate
