"""Which offer of a feature is better: SPEC 5 "Better, in order", rule by rule.

Each test pits two offers that differ so that exactly the rule under test
decides, and checks the verdict both ways round.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from verifier import ENTITLED, GRACE_PERIOD, NOT_ENTITLED, FeatureState, UsagePeriod
from verifier._ranking import compare, is_better

JULY_14 = 1752451200  # 2025-07-14T00:00:00Z
JULY_15 = JULY_14 + 86400
YEAR = 365 * 86400


def period(issued_at: int, end_offset: int = YEAR) -> UsagePeriod:
    return UsagePeriod(issued_at=issued_at, start=issued_at, end=issued_at + end_offset)


def assert_better(new: FeatureState, old: FeatureState) -> None:
    assert compare(new, old) == 1
    assert compare(old, new) == -1
    assert is_better(new, old)
    assert not is_better(old, new)


def test_later_issue_wins_whatever_the_numbers() -> None:
    older = FeatureState(ENTITLED, True, 200, 100, usage_period=period(JULY_14))
    newer = FeatureState(ENTITLED, True, 100, 50, usage_period=period(JULY_15))

    assert_better(newer, older)


def test_later_issue_wins_over_a_higher_entitlement() -> None:
    older = FeatureState(ENTITLED, True, 200, 100, usage_period=period(JULY_14))
    newer = period(JULY_15)
    newer_in_grace = FeatureState(GRACE_PERIOD, False, 0, 0, usage_period=newer)

    assert_better(newer_in_grace, older)


def test_equal_issue_later_end_wins() -> None:
    one_year, two_years = period(JULY_14, YEAR), period(JULY_14, 2 * YEAR)
    shorter = FeatureState(ENTITLED, True, 500, 400, usage_period=one_year)
    longer = FeatureState(ENTITLED, True, 20, 10, usage_period=two_years)

    assert_better(longer, shorter)


def test_period_rule_needs_a_period_on_both_sides() -> None:
    with_period = FeatureState(ENTITLED, True, 10, 5, usage_period=period(JULY_15))
    without = FeatureState(ENTITLED, True, 20)

    # Falls through to the limit rule: 20 beats 10.
    assert_better(without, with_period)


def test_the_offer_that_covers_the_count_wins_over_entitlement() -> None:
    too_small = FeatureState(ENTITLED, True, limit=40, actual=60)
    covering_in_grace = FeatureState(GRACE_PERIOD, True, limit=80, actual=60)

    assert_better(covering_in_grace, too_small)


def test_no_limit_covers_any_count() -> None:
    too_small = FeatureState(ENTITLED, True, limit=40, actual=60)
    unlimited_in_grace = FeatureState(GRACE_PERIOD, True, actual=60)

    assert_better(unlimited_in_grace, too_small)


def test_coverage_ignored_when_one_is_not_entitled() -> None:
    too_small = FeatureState(ENTITLED, True, limit=40, actual=60)
    covering_not_entitled = FeatureState(NOT_ENTITLED, True, limit=80, actual=60)

    assert_better(too_small, covering_not_entitled)


def test_coverage_ignored_when_both_cover() -> None:
    entitled = FeatureState(ENTITLED, True, limit=40, actual=30)
    in_grace = FeatureState(GRACE_PERIOD, True, limit=80, actual=30)

    assert_better(entitled, in_grace)


def test_coverage_ignored_without_a_count() -> None:
    entitled = FeatureState(ENTITLED, True, limit=40)
    in_grace = FeatureState(GRACE_PERIOD, True, limit=80, actual=60)

    assert_better(entitled, in_grace)


def test_entitlement_order() -> None:
    assert_better(FeatureState(ENTITLED, False), FeatureState(GRACE_PERIOD, True))
    assert_better(FeatureState(GRACE_PERIOD, False), FeatureState(NOT_ENTITLED, True))


def test_a_limit_beats_no_limit() -> None:
    assert_better(FeatureState(ENTITLED, False, limit=1), FeatureState(ENTITLED, True))


def test_higher_limit_wins() -> None:
    assert_better(FeatureState(ENTITLED, False, 100), FeatureState(ENTITLED, True, 99))


def test_enabled_beats_disabled() -> None:
    assert_better(FeatureState(ENTITLED, True), FeatureState(ENTITLED, False, actual=9))


def test_a_count_beats_none_and_higher_wins() -> None:
    assert_better(FeatureState(ENTITLED, True, actual=0), FeatureState(ENTITLED, True))
    assert_better(
        FeatureState(ENTITLED, True, actual=5), FeatureState(ENTITLED, True, actual=4)
    )


def test_equal_offers_keep_the_existing_one() -> None:
    existing = FeatureState(ENTITLED, True, 10, 5, usage_period=period(JULY_14))
    same = FeatureState(ENTITLED, True, 10, 5, usage_period=period(JULY_14))

    assert compare(same, existing) == 0
    assert not is_better(same, existing)


def test_soft_limit_and_start_do_not_rank() -> None:
    # Nothing in SPEC 5 compares soft limits or period starts: a tie.
    existing = FeatureState(ENTITLED, True, 10, 5, usage_period=period(JULY_14))
    earlier_start = UsagePeriod(JULY_14, JULY_14 - 86400, JULY_14 + YEAR)
    other = FeatureState(ENTITLED, True, 10, 9, usage_period=earlier_start)

    assert compare(other, existing) == 0


_periods = st.builds(
    UsagePeriod,
    issued_at=st.integers(0, 3),
    start=st.integers(0, 3),
    end=st.integers(0, 3),
)
_states = st.builds(
    FeatureState,
    entitlement=st.sampled_from([ENTITLED, GRACE_PERIOD, NOT_ENTITLED]),
    enabled=st.booleans(),
    limit=st.none() | st.integers(0, 3),
    soft_limit=st.none() | st.integers(0, 3),
    actual=st.none() | st.integers(0, 3),
    usage_period=st.none() | _periods,
)


@given(_states, _states)
def test_compare_is_antisymmetric(new: FeatureState, old: FeatureState) -> None:
    assert compare(new, old) == -compare(old, new)
    assert not (is_better(new, old) and is_better(old, new))


@given(_states)
def test_nothing_is_better_than_itself(state: FeatureState) -> None:
    assert compare(state, state) == 0
