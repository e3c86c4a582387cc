"""The fault spec and the fault state (rate windows, per-item choices)."""

from __future__ import annotations

import pytest

from sandbox.plaid_server.faults import FaultSpec, FaultState


def test_spec_parses_rates_counts_and_lists() -> None:
    spec = FaultSpec.parse(
        "seed=7, error_500_rate=0.2,rate_limit_item_per_minute=30,"
        "item_login_required=item_a|item_b,institution_down=ins_1"
    )
    assert spec.seed == 7
    assert spec.error_500_rate == 0.2
    assert spec.rate_limit_item_per_minute == 30
    assert spec.item_login_required == frozenset({"item_a", "item_b"})
    assert spec.institution_down == frozenset({"ins_1"})
    assert FaultSpec.parse(spec.describe()) == spec
    assert FaultSpec.parse("") == FaultSpec()
    assert FaultSpec().describe() == "none"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("error_500_rate=2", "between 0 and 1"),
        ("error_500_rate=lots", "between 0 and 1"),
        ("slow_ms=-5", "integer >= 0"),
        ("explode=1", "unknown or malformed"),
        ("error_500_rate", "unknown or malformed"),
    ],
)
def test_bad_specs_name_the_bad_part(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultSpec.parse(text)


def test_rate_window_rolls_over_after_a_minute() -> None:
    now = [1000.0]
    state = FaultState(FaultSpec(), clock=lambda: now[0])
    assert [state.over_limit("item:a", 2) for _ in range(3)] == [False, False, True]
    assert state.over_limit("item:b", 2) is False  # limits are per key
    now[0] += 60.5
    assert state.over_limit("item:a", 2) is False


def test_random_faults_are_seeded() -> None:
    first = FaultState(FaultSpec(seed=3))
    second = FaultState(FaultSpec(seed=3))
    draws = [first.draw(0.5) for _ in range(50)]
    assert draws == [second.draw(0.5) for _ in range(50)]
    assert any(draws) and not all(draws)
    assert first.draw(0.0) is False


def test_keyed_draws_do_not_depend_on_the_order_of_requests() -> None:
    keys = [f"item_{n}:cursor" for n in range(200)]
    first = FaultState(FaultSpec(seed=3))
    second = FaultState(FaultSpec(seed=3))
    forward = {key: [first.draw_for(0.3, "sync", key) for _ in range(3)] for key in keys}
    backward = {
        key: [second.draw_for(0.3, "sync", key) for _ in range(3)] for key in reversed(keys)
    }
    assert forward == backward
    # Retries of one key get fresh answers, and the share is about the rate.
    assert any(answers[0] != answers[1] for answers in forward.values())
    share = sum(sum(answers) for answers in forward.values()) / (3 * len(keys))
    assert 0.2 < share < 0.4


def test_item_choices_are_stable_and_proportional() -> None:
    state = FaultState(FaultSpec(seed=1, item_login_required_rate=0.2))
    chosen = [state.needs_login(f"item_{n}") for n in range(2000)]
    again = FaultState(FaultSpec(seed=1, item_login_required_rate=0.2))
    assert chosen == [again.needs_login(f"item_{n}") for n in range(2000)]
    assert 0.15 < sum(chosen) / 2000 < 0.25


def test_reset_login_marks_one_item() -> None:
    state = FaultState(FaultSpec())
    assert not state.needs_login("item_x")
    state.reset_login("item_x")
    assert state.needs_login("item_x")
    assert not state.needs_login("item_y")
