"""The preview diff: what changed, and whether each change is better or worse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from issuer.preview import (
    BETTER,
    NEUTRAL,
    WORSE,
    Change,
    InvalidExistingLicense,
    diff_entitlements,
    preview_license,
    preview_to_json,
    render_preview,
)
from tests.conftest import EXAMPLE_KEYRING, example_claims, sign_example
from verifier import (
    ENTITLED,
    GRACE_PERIOD,
    NOT_ENTITLED,
    BadSignature,
    Entitlements,
    Facts,
    FeatureState,
    InvalidClaim,
    UnknownKey,
    UsagePeriod,
    load_keyring,
)

AT = datetime(2027, 1, 15, tzinfo=UTC)
DAY = 86400
T0 = int(AT.timestamp())
AGENTS = "managed_agent_limit"


def merged(features: dict[str, FeatureState], **rest: Any) -> Entitlements:
    return Entitlements(features=features, refreshed_at=AT, **rest)


def feature_diff(old: FeatureState, new: FeatureState) -> list[tuple[Any, ...]]:
    preview = diff_entitlements(merged({"f": old}), merged({"f": new}))
    return [(c.field, c.verdict, c.before, c.after, c.reason) for c in preview.changes]


def period(start_day: int, end_day: int, issued_day: int = 0) -> UsagePeriod:
    return UsagePeriod(T0 + issued_day * DAY, T0 + start_day * DAY, T0 + end_day * DAY)


# Limits.


def test_lower_limits_are_worse_and_higher_better() -> None:
    old = FeatureState(ENTITLED, True, limit=1000, soft_limit=800)

    assert feature_diff(old, FeatureState(ENTITLED, True, 500, 900)) == [
        ("limit", WORSE, 1000, 500, "lowered"),
        ("soft_limit", BETTER, 800, 900, "raised"),
    ]


def test_a_limit_appearing_is_worse_and_vanishing_better() -> None:
    unlimited = FeatureState(ENTITLED, True)
    limited = FeatureState(ENTITLED, True, limit=100)

    assert feature_diff(unlimited, limited) == [
        ("limit", WORSE, None, 100, "a limit where there was none")
    ]
    assert feature_diff(limited, unlimited) == [
        ("limit", BETTER, 100, None, "no limit any more")
    ]


# Entitlement and enablement.


def test_losing_a_feature_is_worse_and_its_limit_goes_with_it() -> None:
    old = FeatureState(ENTITLED, True, limit=100, actual=40)
    new = FeatureState(NOT_ENTITLED, False, actual=40)

    assert feature_diff(old, new) == [
        ("entitlement", WORSE, ENTITLED, NOT_ENTITLED, "lowered"),
        ("enabled", WORSE, True, False, "switched off"),
        ("limit", NEUTRAL, 100, None, "comes with the entitlement change"),
    ]


def test_gaining_a_feature_is_better_whatever_its_limit() -> None:
    old = FeatureState(NOT_ENTITLED, False)
    new = FeatureState(
        ENTITLED, True, limit=500, soft_limit=400, usage_period=period(0, 365)
    )

    verdicts = [(field, verdict) for field, verdict, *_ in feature_diff(old, new)]

    assert verdicts == [
        ("entitlement", BETTER),
        ("enabled", BETTER),
        ("limit", NEUTRAL),
        ("soft_limit", NEUTRAL),
        ("usage_period", NEUTRAL),
    ]


def test_entitled_to_grace_is_worse() -> None:
    assert feature_diff(
        FeatureState(ENTITLED, True), FeatureState(GRACE_PERIOD, True)
    ) == [("entitlement", WORSE, ENTITLED, GRACE_PERIOD, "lowered")]


def test_a_hard_limit_of_zero_switches_the_feature_off() -> None:
    old = FeatureState(ENTITLED, True, 100, 50, usage_period=period(-10, 300))
    new = FeatureState(ENTITLED, False, 0, 0, usage_period=period(-10, 300, 1))

    assert [(f, v) for f, v, *_ in feature_diff(old, new)] == [
        ("enabled", WORSE),
        ("limit", WORSE),
        ("soft_limit", WORSE),
        ("usage_period", NEUTRAL),
    ]


# Usage periods.


@pytest.mark.parametrize(
    ("new_period", "verdict", "reason"),
    [
        (period(0, 300), WORSE, "ends earlier"),
        (period(30, 365), WORSE, "shorter"),
        (period(0, 400), BETTER, "ends later"),
        (period(-30, 365), BETTER, "longer"),
        (
            period(0, 365, issued_day=5),
            NEUTRAL,
            "same span, issued 2027-01-20 (was 2027-01-15)",
        ),
    ],
    ids=["ends-earlier", "shorter", "ends-later", "longer", "issue-only"],
)
def test_period_changes(new_period: UsagePeriod, verdict: str, reason: str) -> None:
    old = FeatureState(ENTITLED, True, 10, 5, usage_period=period(0, 365))
    new = FeatureState(ENTITLED, True, 10, 5, usage_period=new_period)

    [change] = diff_entitlements(merged({AGENTS: old}), merged({AGENTS: new})).changes

    assert (change.field, change.verdict, change.reason) == (
        "usage_period",
        verdict,
        reason,
    )


def test_a_new_usage_count_is_neutral() -> None:
    old = FeatureState(ENTITLED, True, 10, 5, actual=9)

    assert feature_diff(old, FeatureState(ENTITLED, True, 10, 5, actual=2)) == [
        ("actual", NEUTRAL, 9, 2, "counted over another period")
    ]


# Warnings, errors and flags.


def test_new_messages_are_worse_and_resolved_ones_better() -> None:
    before = merged({}, warnings=["Your license expires in 9 days.", "same"])
    after = merged({}, warnings=["same", "same"], errors=["Feature x is forbidden."])

    changes = diff_entitlements(before, after).changes

    assert changes == (
        Change("warning", WORSE, None, "same", "new warning"),
        Change(
            "warning",
            BETTER,
            "Your license expires in 9 days.",
            None,
            "warning resolved",
        ),
        Change("error", WORSE, None, "Feature x is forbidden.", "new error"),
    )


def test_flag_verdicts() -> None:
    before = merged({}, has_license=False, trial=False, require_telemetry=False)
    after = merged({}, has_license=True, trial=True, require_telemetry=True)

    changes = diff_entitlements(before, after).changes

    assert [(c.field, c.verdict, c.reason) for c in changes] == [
        ("has_license", BETTER, "a license now counts"),
        ("trial", WORSE, "the deployment becomes a trial"),
        ("require_telemetry", WORSE, "telemetry becomes required"),
    ]


def test_nothing_changed_means_no_downgrade() -> None:
    state = {AGENTS: FeatureState(ENTITLED, True, 10, 5, 3, period(0, 365))}

    preview = diff_entitlements(merged(state), merged(dict(state)))

    assert preview.changes == ()
    assert preview.downgrades == []
    assert "  none: the new license changes nothing here" in render_preview(preview)
    assert render_preview(preview).endswith("No downgrade.\n")


# With real licenses.

KEYRING = load_keyring(EXAMPLE_KEYRING)


def license_pair(now: datetime, renewal_starts: int) -> tuple[str, str]:
    """This year's license (800/1000) and a renewal issued later (400/500)."""
    moment = int(now.timestamp())
    current = example_claims(
        now,
        features={"managed_agent_limit_soft": 800, "managed_agent_limit_hard": 1000},
    )
    renewal = example_claims(
        now,
        iat=moment - DAY,
        nbf=moment + renewal_starts * DAY,
        license_expires=moment + (renewal_starts + 365) * DAY,
        exp=moment + (renewal_starts + 395) * DAY,
        features={"managed_agent_limit_soft": 400, "managed_agent_limit_hard": 500},
    )
    return sign_example(current), sign_example(renewal)


def test_renewal_valid_now_shows_the_lower_limits() -> None:
    current, renewal = license_pair(AT, renewal_starts=-1)

    preview = preview_license(
        ("renewal.jwt", renewal), [("current.jwt", current)], now=AT, keyring=KEYRING
    )

    assert preview.moved_from is None
    assert preview.at == AT
    assert [(c.field, c.before, c.after) for c in preview.downgrades] == [
        ("limit", 1000, 500),
        ("soft_limit", 800, 400),
    ]


def test_renewal_not_yet_valid_is_previewed_from_its_start() -> None:
    current, renewal = license_pair(AT, renewal_starts=20)

    preview = preview_license(
        ("renewal.jwt", renewal),
        [("current.jwt", current)],
        now=AT,
        keyring=KEYRING,
        facts=Facts(managed_agents=480),
    )

    assert preview.moved_from == AT
    assert preview.at == AT + timedelta(days=20)
    assert [c.reason for c in preview.downgrades] == [
        "lowered",
        "lowered",
        "new warning",
    ]
    assert preview.downgrades[-1].after == (
        "Managed agent usage 480 is approaching the hard limit 500."
    )


def test_invalid_new_license_raises() -> None:
    forged = sign_example(example_claims(AT), kid="nobody")

    with pytest.raises(UnknownKey, match="kid 'nobody' is not in the keyring"):
        preview_license(forged, [], now=AT, keyring=KEYRING)


def test_tampered_new_license_raises_bad_signature() -> None:
    header, _, signature = sign_example(example_claims(AT)).split(".")
    _, payload, _ = sign_example(example_claims(AT, account_id="x")).split(".")

    with pytest.raises(BadSignature):
        preview_license(f"{header}.{payload}.{signature}", [], now=AT, keyring=KEYRING)


def test_pending_and_otherwise_invalid_new_license_says_why() -> None:
    moment = int(AT.timestamp())
    pending_v2 = sign_example(example_claims(AT, nbf=moment + 5 * DAY, version=2))

    with pytest.raises(InvalidClaim, match="claim version: 2 is not 3"):
        preview_license(pending_v2, [], now=AT, keyring=KEYRING)


def test_preview_json_shape() -> None:
    current, renewal = license_pair(AT, renewal_starts=20)
    preview = preview_license(renewal, [current], now=AT, keyring=KEYRING)

    result = json.loads(json.dumps(preview_to_json(preview)))

    assert list(result) == [
        "at",
        "moved_from",
        "before",
        "after",
        "changes",
        "lapse",
        "downgrades",
    ]
    assert result["at"] == "2027-02-04T00:00:00Z"
    assert result["moved_from"] == "2027-01-15T00:00:00Z"
    assert result["downgrades"] == 2
    assert result["changes"][0] == {
        "kind": "feature",
        "feature": "managed_agent_limit",
        "field": "limit",
        "before": 1000,
        "after": 500,
        "verdict": "worse",
        "reason": "lowered",
    }
    assert result["after"]["features"][AGENTS]["limit"] == 500


def test_render_marks_downgrades() -> None:
    old = FeatureState(ENTITLED, True, 1000, 800, 0, period(0, 395, -5))
    new = FeatureState(ENTITLED, True, 500, 400, 0, period(0, 395, -1))
    before = merged({AGENTS: old, "audit_log": FeatureState(ENTITLED, False)})
    after = merged(
        {AGENTS: new, "audit_log": FeatureState(ENTITLED, False)},
        warnings=["Managed agent usage 480 is approaching the hard limit 500."],
    )

    text = render_preview(diff_entitlements(before, after))

    assert text == (
        "Entitlements at 2027-01-15T00:00:00Z.\n"
        "\n"
        "Before (licenses: none):\n"
        "  feature              entitlement  enabled  limit  soft  usage  period\n"
        "  managed_agent_limit  entitled     yes      1000   800   0      "
        "2027-01-15..2028-02-14\n"
        "  entitled (1): audit_log\n"
        "\n"
        "After (licenses: none):\n"
        "  feature              entitlement  enabled  limit  soft  usage  period\n"
        "  managed_agent_limit  entitled     yes      500    400   0      "
        "2027-01-15..2028-02-14\n"
        "  entitled (1): audit_log\n"
        "  warning: Managed agent usage 480 is approaching the hard limit 500.\n"
        "\n"
        "Changes:\n"
        "             feature              field         before                  "
        "after                   why\n"
        "  DOWNGRADE  managed_agent_limit  limit         1000                    "
        "500                     lowered\n"
        "  DOWNGRADE  managed_agent_limit  soft_limit    800                     "
        "400                     lowered\n"
        "  neutral    managed_agent_limit  usage_period  2027-01-15..2028-02-14  "
        "2027-01-15..2028-02-14  same span, issued 2027-01-14 (was 2027-01-10)\n"
        "  DOWNGRADE  new warning: Managed agent usage 480 is approaching the hard "
        "limit 500.\n"
        "\n"
        "3 downgrades.\n"
    )


# A renewal hiding behind the license it replaces.

RENEWAL_DAY = datetime(2027, 12, 3, tzinfo=UTC)
R0 = int(RENEWAL_DAY.timestamp())


def seats(count: int, *, nbf: int, end: int, grace_days: int = 30, **rest: Any) -> str:
    """A premium license with ``count`` seats, its term ending on day ``end``."""
    features = {"user_limit": count, "managed_agent_limit_soft": 100}
    features["managed_agent_limit_hard"] = 200
    claims = example_claims(
        RENEWAL_DAY,
        iat=nbf,
        nbf=nbf,
        license_expires=end,
        exp=end + grace_days * DAY,
        features=features,
    )
    return sign_example({**claims, **rest})


def seats_renewal(facts: Facts | None = None) -> Any:
    """150 seats until 2027-12-03 (grace to 2028-01-02), then a 100-seat renewal."""
    current = seats(150, nbf=R0 - 365 * DAY, end=R0)
    renewal = seats(100, nbf=R0, end=R0 + 365 * DAY)
    return preview_license(
        ("renewal.jwt", renewal),
        [("current.jwt", current)],
        now=RENEWAL_DAY - timedelta(days=30),
        keyring=KEYRING,
        facts=facts,
    )


def test_lower_seats_behind_the_current_license_show_when_it_lapses() -> None:
    preview = seats_renewal(Facts(active_users=120))

    assert preview.at == RENEWAL_DAY
    assert [c for c in preview.changes if c.feature == "user_limit"] == []
    assert preview.lapse_at == datetime(2028, 1, 2, tzinfo=UTC)
    assert [(c.kind, c.field, c.before, c.after) for c in preview.lapse_changes] == [
        ("feature", "limit", 150, 100),
        (
            "warning",
            None,
            None,
            "There are 120 active users, more than the licensed 100.",
        ),
    ]
    assert preview.downgrades == list(preview.lapse_changes)


def test_lapse_downgrades_are_rendered_with_their_day_and_in_json() -> None:
    preview = seats_renewal()

    text = render_preview(preview)
    result = preview_to_json(preview)

    assert (
        "\n  DOWNGRADE  user_limit  limit  150 -> 100  lowered, when the current "
        "licenses end on 2028-01-02\n\n1 downgrade.\n"
    ) in text
    assert result["lapse"] == {
        "at": "2028-01-02T00:00:00Z",
        "changes": [
            {
                "kind": "feature",
                "feature": "user_limit",
                "field": "limit",
                "before": 150,
                "after": 100,
                "verdict": "worse",
                "reason": "lowered",
            }
        ],
    }
    assert result["downgrades"] == 1


def test_a_downgrade_seen_at_the_start_is_not_repeated_at_the_lapse() -> None:
    current, renewal = license_pair(AT, renewal_starts=20)

    preview = preview_license(renewal, [current], now=AT, keyring=KEYRING)

    assert preview.lapse_at is not None
    assert preview.lapse_changes == ()
    assert "  nothing else gets worse when the current licenses end on " in (
        render_preview(preview)
    )
    assert len(preview.downgrades) == 2


@pytest.mark.parametrize(
    ("term_days", "why"),
    [(20, "the renewal is in its grace period"), (50, "its term ends in 20 days")],
)
def test_time_passing_is_no_downgrade_at_the_lapse(term_days: int, why: str) -> None:
    # The lapse comes 30 days in: the renewal is in grace, or about to end.
    current = seats(150, nbf=R0 - 365 * DAY, end=R0, grace_days=30)
    renewal = seats(150, nbf=R0, end=R0 + term_days * DAY, grace_days=60)
    facts = Facts(active_users=10, replicas=2, enabled=frozenset({"audit_log"}))

    preview = preview_license(
        renewal, [current], now=RENEWAL_DAY, keyring=KEYRING, facts=facts
    )

    assert preview.lapse_at == RENEWAL_DAY + timedelta(days=30)
    assert preview.lapse_changes == (), why


def test_a_license_expired_by_the_lapse_is_no_new_error() -> None:
    old = seats(150, nbf=R0 - 365 * DAY, end=R0 - 20 * DAY, grace_days=30)
    current = seats(150, nbf=R0 - 365 * DAY, end=R0, grace_days=30)
    renewal = seats(150, nbf=R0, end=R0 + 365 * DAY)

    preview = preview_license(renewal, [old, current], now=RENEWAL_DAY, keyring=KEYRING)

    assert preview.lapse_at == RENEWAL_DAY + timedelta(days=30)
    assert preview.lapse_changes == ()
    assert preview.downgrades == []


def test_no_lapse_when_the_new_license_outlives_nothing() -> None:
    current = seats(150, nbf=R0 - 30 * DAY, end=R0 + 700 * DAY)
    addon = seats(100, nbf=R0, end=R0 + 365 * DAY)

    preview = preview_license(addon, [current], now=RENEWAL_DAY, keyring=KEYRING)

    assert preview.lapse_at is None
    assert preview_to_json(preview)["lapse"] is None
    assert "when the current licenses end" not in render_preview(preview)


# An existing license that does not verify blinds the comparison.


def tampered(token: str) -> str:
    head, body, signature = token.split(".")
    flipped = ("B" if signature[5] == "A" else "A").join((signature[:5], signature[6:]))
    return f"{head}.{body}.{flipped}"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (tampered(sign_example(example_claims(AT))), "token signature does not"),
        ("# Not a license\n", "token has 1 segments"),
    ],
)
def test_an_invalid_existing_license_is_refused(token: str, reason: str) -> None:
    renewal = sign_example(example_claims(AT))

    with pytest.raises(InvalidExistingLicense) as raised:
        preview_license(renewal, [("cur.jwt", token)], now=AT, keyring=KEYRING)

    message = str(raised.value)
    assert message.startswith(f"cur.jwt is not a valid license ({reason}")
    assert message.endswith(
        "), so the downgrade check cannot be trusted; fix or drop it"
    )


def test_an_existing_license_not_yet_valid_is_fine() -> None:
    current, early_renewal = license_pair(AT, renewal_starts=20)
    third = sign_example(example_claims(AT, iat=T0, nbf=T0 + 30 * DAY))

    preview = preview_license(third, [current, early_renewal], now=AT, keyring=KEYRING)

    assert preview.at == AT + timedelta(days=30)


def test_an_existing_license_expired_by_the_new_start_is_fine() -> None:
    ending = seats(150, nbf=T0 - 300 * DAY, end=T0 + 5 * DAY, grace_days=5)
    later = seats(150, nbf=T0 + 40 * DAY, end=T0 + 400 * DAY)

    preview = preview_license(later, [ending], now=AT, keyring=KEYRING)

    assert preview.at == AT + timedelta(days=40)
    assert preview.lapse_at is None


def test_an_existing_license_not_yet_valid_but_faulty_is_refused() -> None:
    pending_v2 = sign_example(example_claims(AT, nbf=T0 + 5 * DAY, version=2))
    renewal = sign_example(example_claims(AT))

    with pytest.raises(InvalidExistingLicense, match=r"\(claim version: 2 is not 3\)"):
        preview_license(renewal, [("v2.jwt", pending_v2)], now=AT, keyring=KEYRING)
