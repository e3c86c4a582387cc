"""Client profiles: formats, distributions and independence from the world size."""

from __future__ import annotations

import collections
import datetime as dt
import re

from sandbox.clock import WorldCalendar
from sandbox.households import generate_client
from sandbox.reference import FILING_STATUSES, SIGNUP_CHANNEL_WEIGHTS, STATE_POPULATION_THOUSANDS

AS_OF = dt.date(2025, 6, 30)
CALENDAR = WorldCalendar(as_of=AS_OF)


def test_client_fields_have_the_documented_formats() -> None:
    for number in range(1, 201):
        client = generate_client(7, number, CALENDAR)
        assert client.client_id == f"cl_{number:06d}"
        assert re.fullmatch(r"\d{3}-\d{2}-\d{4}", client.ssn)
        assert not client.ssn.startswith(("000", "666", "9"))
        assert client.state in STATE_POPULATION_THOUSANDS
        assert re.fullmatch(r"\d{5}", client.postal_code)
        assert client.filing_status in FILING_STATUSES
        assert client.signup_channel in SIGNUP_CHANNEL_WEIGHTS
        assert re.fullmatch(r"[a-z]+\.[a-z]+\d*@[a-z.]+", client.email)
        assert 23 <= client.age_years <= 76
        assert client.annual_income_usd > 0
        assert client.created_at <= client.updated_at <= CALENDAR.end_of_day_utc()
        if client.deleted_at is not None:
            assert client.deleted_at == client.updated_at


def test_same_seed_same_client_and_other_seed_other_client() -> None:
    assert generate_client(42, 5, CALENDAR) == generate_client(42, 5, CALENDAR)
    assert generate_client(42, 5, CALENDAR) != generate_client(43, 5, CALENDAR)


def test_states_follow_population_weights() -> None:
    states = collections.Counter(generate_client(1, n, CALENDAR).state for n in range(1, 3001))
    # California holds ~12% of US residents, Wyoming ~0.2%.
    assert 0.09 < states["CA"] / 3000 < 0.15
    assert states["CA"] > states["TX"] > states["WY"]
    assert len(states) > 40


def test_some_but_few_clients_are_soft_deleted() -> None:
    deleted = sum(generate_client(3, n, CALENDAR).deleted_at is not None for n in range(1, 2001))
    assert 0.01 < deleted / 2000 < 0.06
