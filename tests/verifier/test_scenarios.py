"""Merge scenarios as data: every file in ``scenarios/`` is one case of SPEC 5.

The format is described in docs/merge.md ("Scenario files"). In short: the
licenses as claims with times relative to ``now``, how each is signed, the
deployment facts, and what the entitlements JSON must say about the features
the scenario is about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from verifier import (
    Facts,
    Keyring,
    compute_entitlements,
    entitlements_to_json,
    format_time,
)

SCENARIOS = Path(__file__).parent / "scenarios"
SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))

TIME_CLAIMS = ("iat", "nbf", "license_expires", "exp")
PERIOD_MEMBERS = ("issued_at", "start", "end")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
RELATIVE = re.compile(r"([+-])(\d+)([smhdw])")

#: The ``sign`` fixture of conftest.py: (claims, how) -> token.
Signer = Callable[..., str]

ALLOWED_KEYS = {
    "scenario": {"name", "description", "now", "licenses", "facts", "expect"},
    "license": {"id", "claims", "sign", "token"},
    "facts": {
        "active_users",
        "managed_agents",
        "managed_agent_events",
        "replicas",
        "external_auth",
        "enable",
    },
    "expect": {
        "features",
        "warnings",
        "errors",
        "has_license",
        "trial",
        "require_telemetry",
        "statuses",
    },
}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def resolve_time(value: Any, now: datetime) -> Any:
    """``"-30d"`` or an RFC 3339 string -> NumericDate; anything else unchanged."""
    if not isinstance(value, str):
        return value
    relative = RELATIVE.fullmatch(value)
    if relative:
        sign, amount, unit = relative.groups()
        seconds = int(amount) * UNITS[unit] * (-1 if sign == "-" else 1)
        return int((now + timedelta(seconds=seconds)).timestamp())
    return int(parse_time(value).timestamp())


# Building the inputs.


def default_claims(name: str, index: int) -> dict[str, Any]:
    """A valid license: began 30 days ago, one-year term, 30 days of grace."""
    return {
        "iat": "-30d",
        "nbf": "-30d",
        "license_expires": "+335d",
        "exp": "+365d",
        "jti": f"scenario-{name}-{index}",
        "account_type": "salesforce",
        "account_id": "acct-scenarios",
        "trial": False,
        "feature_set": "",
        "version": 3,
        "features": {},
    }


def build_claims(
    name: str, index: int, given: dict[str, Any], now: datetime
) -> dict[str, Any]:
    claims = {**default_claims(name, index), **given}
    for claim in TIME_CLAIMS:
        if claim in claims:
            claims[claim] = resolve_time(claims[claim], now)
    # null in a scenario removes the claim altogether.
    return {claim: value for claim, value in claims.items() if value is not None}


def build_licenses(
    scenario: dict[str, Any], now: datetime, sign: Signer
) -> list[str | tuple[str, str]]:
    licenses: list[str | tuple[str, str]] = []
    for index, item in enumerate(scenario["licenses"], start=1):
        _check_keys(item, "license")
        if "token" in item:
            token = item["token"]
        else:
            claims = build_claims(scenario["name"], index, item.get("claims", {}), now)
            token = sign(claims, item.get("sign", "example"))
        licenses.append((item["id"], token) if "id" in item else token)
    return licenses


def build_facts(raw: dict[str, Any], now: datetime) -> Facts:
    _check_keys(raw, "facts")
    managed_agents: int | Callable[[int, int], int] = raw.get("managed_agents", 0)
    if "managed_agent_events" in raw:
        events = [resolve_time(event, now) for event in raw["managed_agent_events"]]
        managed_agents = events_counter(events)

    return Facts(
        active_users=raw.get("active_users", 0),
        managed_agents=managed_agents,
        replicas=raw.get("replicas", 1),
        external_auth=raw.get("external_auth", 0),
        enabled=frozenset(raw.get("enable", ())),
    )


def events_counter(events: list[int]) -> Callable[[int, int], int]:
    """Usage as the product counts it: events in the period's [start, end)."""

    def count(start: int, end: int) -> int:
        return sum(1 for event in events if start <= event < end)

    return count


# Checking the outcome.


def expected_feature(state: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A feature as the scenario writes it, with period times made RFC 3339."""
    if "usage_period" not in state:
        return state
    period = {
        member: format_time(resolve_time(state["usage_period"][member], now))
        for member in PERIOD_MEMBERS
    }
    return {**state, "usage_period": period}


def check_messages(kind: str, actual: list[str], expected: list[str] | int) -> None:
    """A count, or one substring per message, in the order the merge adds them."""
    if isinstance(expected, int):
        assert len(actual) == expected, f"{kind}: {actual}"
        return
    assert len(actual) == len(expected), f"{kind}: {actual}"
    for message, fragment in zip(actual, expected, strict=True):
        assert fragment in message, f"{kind}: {fragment!r} not in {message!r}"


def _check_keys(raw: dict[str, Any], what: str) -> None:
    unknown = set(raw) - ALLOWED_KEYS[what]
    assert not unknown, f"unknown {what} keys {sorted(unknown)}: a typo?"


def load_scenario(path: Path) -> dict[str, Any]:
    scenario: dict[str, Any] = json.loads(path.read_text())
    _check_keys(scenario, "scenario")
    assert scenario["name"] == path.stem, "a scenario is named after its file"
    assert scenario.get("description"), "say what the scenario shows"
    return scenario


def test_scenarios_are_present() -> None:
    assert len(SCENARIO_FILES) >= 50, f"expected the scenarios in {SCENARIOS}"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda path: path.stem)
def test_scenario(path: Path, sign: Signer, keyring: Keyring) -> None:
    scenario = load_scenario(path)
    now = parse_time(scenario["now"])
    expect = scenario["expect"]
    _check_keys(expect, "expect")

    result = compute_entitlements(
        build_licenses(scenario, now, sign),
        now=now,
        keyring=keyring,
        facts=build_facts(scenario.get("facts", {}), now),
    )
    rendered = entitlements_to_json(result)

    for name, state in expect.get("features", {}).items():
        assert rendered["features"][name] == expected_feature(state, now), name
    for flag in ("has_license", "trial", "require_telemetry"):
        if flag in expect:
            assert rendered[flag] == expect[flag], flag
    check_messages("warnings", rendered["warnings"], expect.get("warnings", []))
    check_messages("errors", rendered["errors"], expect.get("errors", []))
    if "statuses" in expect:
        assert [report.status for report in result.licenses] == expect["statuses"]
