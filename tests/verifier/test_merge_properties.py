"""Properties of the merge that must hold for any set of licenses (SPEC 5).

Licenses are drawn at random (feature sets, user limits, pairs good and bad,
booleans, unknown names, terms in grace or not) and signed for real, so these
run the whole path from token to entitlements JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier import (
    Facts,
    Keyring,
    compute_entitlements,
    default_catalogue,
    entitlements_to_json,
    soft_warning_threshold,
)

NOW = datetime(2026, 4, 15, 9, 30, tzinfo=UTC)
MOMENT = int(NOW.timestamp())
DAY = 86400
CATALOGUE = default_catalogue()
BOOLEANS = [f.name for f in CATALOGUE.features if f.kind == "boolean"]

#: The ``sign`` fixture of conftest.py: (claims, how) -> token.
Signer = Callable[..., str]

# Signing is real work: keep each property well under the 20 s budget.
PROPERTY = settings(max_examples=60, deadline=None)


@st.composite
def features(draw: st.DrawFn) -> dict[str, int]:
    """A license's features object, bad pairs and unknown names included."""
    result: dict[str, int] = {}
    if draw(st.booleans()):
        result["user_limit"] = draw(st.integers(-5, 200))
    if draw(st.booleans()):
        soft = draw(st.none() | st.integers(-1, 600))
        hard = draw(st.none() | st.integers(-1, 800))
        if soft is not None:
            result["managed_agent_limit_soft"] = soft
        if hard is not None:
            result["managed_agent_limit_hard"] = hard
    for name in draw(st.lists(st.sampled_from(BOOLEANS), max_size=4, unique=True)):
        result[name] = draw(st.integers(-1, 2))
    if draw(st.booleans()):
        result["a_future_feature"] = draw(st.integers(-1, 5))
    return result


@st.composite
def valid_claims(draw: st.DrawFn, iat_day: int, exp_day: int) -> dict[str, Any]:
    """Claims valid at NOW, issued ``iat_day`` days ago, ending ``exp_day`` from now.

    ``exp`` is not a whole number of days away, so the license may be in grace.
    """
    nbf = MOMENT - draw(st.integers(0, iat_day)) * DAY
    exp = MOMENT + exp_day * DAY + 3600
    grace = draw(st.integers(0, 60)) * DAY
    return {
        "iat": MOMENT - iat_day * DAY - 600,
        "nbf": nbf - 600,
        "license_expires": exp - grace,
        "exp": exp,
        "jti": f"prop-{iat_day}-{exp_day}",
        "account_type": "salesforce",
        "account_id": "acct-properties",
        "trial": draw(st.booleans()),
        "feature_set": draw(st.sampled_from(["", "enterprise", "premium"])),
        "all_features": draw(st.booleans()),
        "require_telemetry": draw(st.booleans()),
        "version": 3,
        "features": draw(features()),
    }


@st.composite
def license_sets(draw: st.DrawFn, max_size: int = 4) -> list[dict[str, Any]]:
    """Valid licenses with distinct ``iat``s and distinct ``exp``s."""
    count = draw(st.integers(1, max_size))
    iat_days = draw(
        st.lists(st.integers(0, 400), min_size=count, max_size=count, unique=True)
    )
    exp_days = draw(
        st.lists(st.integers(0, 400), min_size=count, max_size=count, unique=True)
    )
    return [draw(valid_claims(i, e)) for i, e in zip(iat_days, exp_days, strict=True)]


def usage_by_period(start: int, end: int) -> int:
    # Depends on the period, so a different winning period shows in ``actual``.
    return (end - start) // DAY % 1500


facts = st.builds(
    Facts,
    active_users=st.integers(0, 300),
    replicas=st.integers(1, 3),
    external_auth=st.integers(0, 3),
    enabled=st.frozensets(st.sampled_from(CATALOGUE.names), max_size=6),
    managed_agents=st.just(usage_by_period),
)


@st.composite
def spoiled(draw: st.DrawFn, sign: Signer) -> str:
    """A token the merge must not take: invalid, or not yet valid."""
    claims = draw(valid_claims(draw(st.integers(0, 400)), draw(st.integers(0, 400))))
    how = draw(
        st.sampled_from(
            [
                "foreign",
                "unknown_kid",
                "tampered",
                "expired",
                "version",
                "garbage",
                "not_yet_valid",
                "not_yet_valid_and_expired",
            ]
        )
    )
    if how in ("foreign", "unknown_kid", "tampered"):
        return sign(claims, how)
    if how == "garbage":
        return draw(st.sampled_from(["", "a.b", "not.a.token", "x" * 40]))
    if how == "expired":
        claims.update(license_expires=MOMENT - 2 * DAY, exp=MOMENT - DAY)
    elif how == "version":
        claims["version"] = 2
    else:
        claims["nbf"] = MOMENT + draw(st.integers(1, 30)) * DAY
        if how == "not_yet_valid_and_expired":
            claims.update(license_expires=MOMENT - DAY, exp=MOMENT - DAY)
    return sign(claims)


def merged(tokens: list[str], keyring: Keyring, deployment: Facts) -> dict[str, Any]:
    result = compute_entitlements(tokens, now=NOW, keyring=keyring, facts=deployment)
    return entitlements_to_json(result)


@PROPERTY
@given(licenses=license_sets(), deployment=facts, data=st.data())
def test_invalid_or_pending_license_changes_no_feature(
    licenses: list[dict[str, Any]],
    deployment: Facts,
    data: st.DataObject,
    sign: Signer,
    keyring: Keyring,
) -> None:
    tokens = [sign(claims) for claims in licenses]
    extra = data.draw(spoiled(sign))
    position = data.draw(st.integers(0, len(tokens)))

    before = merged(tokens, keyring, deployment)
    after = merged([*tokens[:position], extra, *tokens[position:]], keyring, deployment)

    assert after["features"] == before["features"]


@PROPERTY
@given(licenses=license_sets(), deployment=facts, data=st.data())
def test_order_never_changes_managed_agents(
    licenses: list[dict[str, Any]],
    deployment: Facts,
    data: st.DataObject,
    sign: Signer,
    keyring: Keyring,
) -> None:
    # Distinct iats, and distinct ends: two premium defaults share their fixed
    # issue time, and with equal ends nothing would rank them (docs/merge.md).
    tokens = [sign(claims) for claims in licenses]
    shuffled = data.draw(st.permutations(tokens))

    before = merged(tokens, keyring, deployment)
    after = merged(list(shuffled), keyring, deployment)

    agents = before["features"]["managed_agent_limit"]
    assert after["features"]["managed_agent_limit"] == agents


@PROPERTY
@given(licenses=license_sets(), deployment=facts)
def test_every_feature_present_and_none_enabled_unentitled(
    licenses: list[dict[str, Any]], deployment: Facts, sign: Signer, keyring: Keyring
) -> None:
    result = merged([sign(claims) for claims in licenses], keyring, deployment)

    assert list(result["features"]) == sorted(CATALOGUE.names)
    for name, state in result["features"].items():
        if state["entitlement"] == "not_entitled":
            assert state["enabled"] is False, name


@given(soft=st.integers(0, 10**6), extra=st.integers(0, 10**6))
def test_threshold_lies_between_soft_and_hard(soft: int, extra: int) -> None:
    hard = soft + extra
    threshold = soft_warning_threshold(soft, hard)

    assert threshold <= hard
    if hard > soft > 0:
        assert soft <= threshold


def test_threshold_known_values() -> None:
    assert soft_warning_threshold(800, 1000) == 950
    assert soft_warning_threshold(40, 80) == 70
    assert soft_warning_threshold(50, 100) == 87
    assert soft_warning_threshold(100, 100) == 75
    assert soft_warning_threshold(0, 100) == 75
    assert soft_warning_threshold(0, 0) == 0
