"""``entitlements`` through click's runner: the merge, as a table and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from issuer.cli import main
from tests.conftest import DAY, EXAMPLE_KEYRING, NOW, example_claims, sign_example

NOW_ARG = ["--now", "2027-03-01T12:00:00Z"]


def _license(tmp_path: Path, name: str, **claims: object) -> str:
    path = tmp_path / name
    path.write_text(sign_example(example_claims(**claims)) + "\n")
    return str(path)


def _entitlements(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        main, ["entitlements", *args, "--keyring", str(EXAMPLE_KEYRING), *NOW_ARG]
    )


def test_json_has_every_feature_and_the_license_values(tmp_path: Path) -> None:
    path = _license(tmp_path, "a.jwt")

    result = _entitlements(
        path, "--json", "--active-users", "120", "--managed-agents", "40"
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == [
        "features",
        "warnings",
        "errors",
        "has_license",
        "trial",
        "require_telemetry",
        "refreshed_at",
    ]
    assert len(data["features"]) == 22
    assert data["features"]["user_limit"] == {
        "entitlement": "entitled",
        "enabled": True,
        "limit": 150,
        "actual": 120,
    }
    agents = data["features"]["managed_agent_limit"]
    assert (agents["soft_limit"], agents["limit"], agents["actual"]) == (100, 200, 40)
    assert agents["usage_period"]["start"] == "2027-02-19T12:00:00Z"
    assert data["refreshed_at"] == "2027-03-01T12:00:00Z"


def test_table_shows_features_warnings_and_example_key(tmp_path: Path) -> None:
    path = _license(tmp_path, "a.jwt")

    result = _entitlements(path, "--active-users", "151")

    assert result.exit_code == 0, result.output
    assert "(EXAMPLE KEY)" in result.stdout
    assert "user_limit                    entitled     yes      150" in result.stdout
    assert "warning: There are 151 active users, more than the licensed 150." in (
        result.stdout
    )


def test_usage_file_counts_only_events_inside_the_period(tmp_path: Path) -> None:
    path = _license(tmp_path, "a.jwt")
    moment = int(NOW.timestamp())
    usage = tmp_path / "usage.jsonl"
    inside = [moment - day * DAY for day in range(1, 6)]
    before_period = [moment - 40 * DAY]
    usage.write_text("".join(f"{stamp}\n" for stamp in inside + before_period))

    result = _entitlements(path, "--json", "--usage", str(usage))

    assert result.exit_code == 0, result.output
    agents = json.loads(result.stdout)["features"]["managed_agent_limit"]
    assert agents["actual"] == 5


def test_invalid_license_becomes_an_error_in_the_answer(tmp_path: Path) -> None:
    good = _license(tmp_path, "good.jwt")
    bad = tmp_path / "bad.jwt"
    bad.write_text("a.b.c\n")

    result = _entitlements(good, str(bad), "--json")

    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["errors"] == [
        f"Invalid license ({bad}) parsing claims: token header is not valid "
        "unpadded base64url"
    ]
    assert data["has_license"] is True


def test_unknown_enabled_feature_is_a_usage_error(tmp_path: Path) -> None:
    result = _entitlements(_license(tmp_path, "a.jwt"), "--enable", "audit_logs")

    assert result.exit_code == 2
    assert "did you mean 'audit_log'" in result.output


def test_no_license_shows_nothing_entitled() -> None:
    result = _entitlements("--json", "--replicas", "2")

    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["has_license"] is False
    assert {f["entitlement"] for f in data["features"].values()} == {"not_entitled"}
    assert len(data["errors"]) == 1 and "replicas" in data["errors"][0]
