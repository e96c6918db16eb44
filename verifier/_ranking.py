"""Which of two offers of one feature is better (SPEC 5, "Better, in order")."""

from __future__ import annotations

from ._model import ENTITLED, ENTITLEMENT_RANK, GRACE_PERIOD, FeatureState


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def _by_usage_period(new: FeatureState, old: FeatureState) -> int:
    # A newer contract wins outright, even with lower numbers.
    if new.usage_period is None or old.usage_period is None:
        return 0
    issued = new.usage_period.issued_at - old.usage_period.issued_at
    if issued:
        return _sign(issued)
    return _sign(new.usage_period.end - old.usage_period.end)


def _covers(state: FeatureState) -> bool:
    assert state.actual is not None
    return state.limit is None or state.limit >= state.actual


def _by_coverage(new: FeatureState, old: FeatureState) -> int:
    if new.actual is None or old.actual is None:
        return 0
    active = (ENTITLED, GRACE_PERIOD)
    if new.entitlement not in active or old.entitlement not in active:
        return 0
    return int(_covers(new)) - int(_covers(old))


def _by_entitlement(new: FeatureState, old: FeatureState) -> int:
    return _sign(ENTITLEMENT_RANK[new.entitlement] - ENTITLEMENT_RANK[old.entitlement])


def _by_optional_number(new: int | None, old: int | None) -> int:
    # Having a number beats having none; then the higher number wins.
    if new is None or old is None:
        return int(new is not None) - int(old is not None)
    return _sign(new - old)


def _by_limit(new: FeatureState, old: FeatureState) -> int:
    return _by_optional_number(new.limit, old.limit)


def _by_enabled(new: FeatureState, old: FeatureState) -> int:
    return int(new.enabled) - int(old.enabled)


def _by_actual(new: FeatureState, old: FeatureState) -> int:
    return _by_optional_number(new.actual, old.actual)


_RULES = (
    _by_usage_period,
    _by_coverage,
    _by_entitlement,
    _by_limit,
    _by_enabled,
    _by_actual,
)


def compare(new: FeatureState, old: FeatureState) -> int:
    """Positive when ``new`` is better, negative when worse, 0 when equal."""
    for rule in _RULES:
        verdict = rule(new, old)
        if verdict:
            return verdict
    return 0


def is_better(new: FeatureState, old: FeatureState) -> bool:
    return compare(new, old) > 0
