"""Seeded random streams: one independent stream per (seed, client, purpose).

Each client's data is drawn from its own streams, so client 7 of a 50-client world
is the same person as client 7 of a 10,000-client world, and adding a new kind of
data (a new purpose) never shifts the draws of the existing ones.
"""

from __future__ import annotations

import enum

import numpy as np


class Stream(enum.IntEnum):
    """Purposes of random draws; values are part of the seed and must never change."""

    PROFILE = 1
    FAKER = 2
    ACCOUNTS = 3
    BANK_TRANSACTIONS = 4
    INVESTMENTS = 5
    LIABILITIES = 6
    EQUITY = 7
    ADVICE = 8
    EVENTS = 9
    MARKET = 10
    STAFF = 11
    DOCUMENTS = 12
    CHANGES = 13


def rng_for(seed: int, stream: Stream, index: int = 0) -> np.random.Generator:
    """An independent generator for `stream` of entity `index` (e.g. client number)."""
    return np.random.default_rng(np.random.SeedSequence([seed, int(stream), index]))


def int_seed_for(seed: int, stream: Stream, index: int = 0) -> int:
    """A 63-bit integer seed (for libraries such as Faker that take an int)."""
    state = np.random.SeedSequence([seed, int(stream), index]).generate_state(2, np.uint32)
    return (int(state[0]) << 31) ^ int(state[1])
