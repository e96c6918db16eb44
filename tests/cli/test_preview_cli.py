"""``licensesmith preview`` through click's runner: output and exit codes."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from issuer.cli import main
from tests.conftest import EXAMPLE_KEYRING, ROOT, example_claims, sign_example

DEMO = ROOT / "examples" / "preview"
CURRENT = str(DEMO / "current.jwt")
RENEWAL = str(DEMO / "renewal.jwt")
KEYRING = str(EXAMPLE_KEYRING)
NOW = "2026-12-20T00:00:00Z"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def preview(*args: str) -> Result:
    return run("preview", RENEWAL, "--with", CURRENT, "--keyring", KEYRING, *args)


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(info string, body) of every fenced code block, in order."""
    return re.findall(r"```(\w*)\n(.*?)```", text, flags=re.DOTALL)


# The README demo, run exactly as written there.


def test_readme_command_prints_what_the_readme_shows() -> None:
    blocks = fenced_blocks((DEMO / "README.md").read_text())
    [command] = [body for info, body in blocks if info == "console"]
    stdout, stderr = [body for info, body in blocks if info == "text"]
    args = shlex.split(command.removeprefix("$ "))
    assert args[:2] == ["licensesmith", "preview"]

    # Paths in the README are relative to the repository root.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        result = run(*args[1:])

    assert result.exit_code == 1
    assert result.stdout == stdout
    assert result.stderr == stderr


def test_demo_flags_the_lower_agent_limits() -> None:
    result = preview("--now", NOW, "--managed-agents", "480")

    assert result.exit_code == 1
    downgrades = [line for line in result.stdout.splitlines() if "DOWNGRADE" in line]
    assert [line.split()[1:5] for line in downgrades[:2]] == [
        ["managed_agent_limit", "limit", "1000", "500"],
        ["managed_agent_limit", "soft_limit", "800", "400"],
    ]
    assert "new warning: Managed agent usage 480 is approaching" in downgrades[2]
    assert result.stdout.endswith("\n3 downgrades.\n")


def test_accept_downgrade_exits_0_and_says_so() -> None:
    result = preview("--now", NOW, "--accept-downgrade")

    assert result.exit_code == 0
    assert "2 downgrades." in result.stdout
    assert result.stderr.endswith(
        "note: 2 downgrade(s) accepted (--accept-downgrade)\n"
    )


def test_a_first_license_is_no_downgrade() -> None:
    # Mid-term: the license is not about to expire, so it brings no warning.
    result = run(
        "preview", CURRENT, "--keyring", KEYRING, "--now", "2026-06-01T00:00:00Z"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Adding {CURRENT} to no other license.\n")
    rows = [line.split()[:5] for line in result.stdout.splitlines()]
    assert ["better", "(flag)", "has_license", "no", "yes"] in rows
    assert result.stdout.endswith("No downgrade.\n")


def test_every_example_key_license_is_announced() -> None:
    result = preview("--now", NOW, "--accept-downgrade")

    announced = [line for line in result.stderr.splitlines() if "EXAMPLE key" in line]
    assert [line.split(":")[1].strip() for line in announced] == [CURRENT, RENEWAL]


def test_json_output(tmp_path: Path) -> None:
    result = preview("--now", NOW, "--json", "--managed-agents", "480")

    assert result.exit_code == 1
    output = json.loads(result.stdout)
    assert output["at"] == "2027-01-15T00:00:00Z"
    assert output["moved_from"] == NOW
    assert output["downgrades"] == 3
    assert [c["verdict"] for c in output["changes"]] == [
        "worse",
        "worse",
        "better",
        "worse",
    ]
    agents = output["after"]["features"]["managed_agent_limit"]
    assert (agents["soft_limit"], agents["limit"], agents["actual"]) == (400, 500, 480)


def test_usage_file_is_counted_in_each_winning_period(tmp_path: Path) -> None:
    # 700 builds during the current term, 10 in the renewal's first days.
    old = [f"2026-06-01T00:{m // 60:02d}:{m % 60:02d}Z" for m in range(700)]
    new = [f"2027-01-16T00:00:{s:02d}Z" for s in range(10)]
    usage = tmp_path / "builds.csv"
    usage.write_text("time,agent\n" + "".join(f"{t},a1\n" for t in old + new))

    result = preview("--now", NOW, "--json", "--usage", str(usage))

    output = json.loads(result.stdout)
    actual = [
        output[side]["features"]["managed_agent_limit"]["actual"]
        for side in ("before", "after")
    ]
    assert actual == [710, 10]


def test_invalid_new_license_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jwt"
    bad.write_text(sign_example(example_claims(), kid="retired") + "\n")

    result = run("preview", str(bad), "--with", CURRENT, "--keyring", KEYRING)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {bad} is not a valid license: token kid 'retired' is not in the "
        "keyring\n"
    )


def test_pending_new_license_reports_its_real_fault(tmp_path: Path) -> None:
    bad = tmp_path / "v2.jwt"
    bad.write_text(sign_example(example_claims(version=2)))

    result = run("preview", str(bad), "--keyring", KEYRING, "--now", NOW)

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {bad} is not a valid license: claim version: 2 is not 3\n"
    )


def test_bad_usage_file_names_file_and_line(tmp_path: Path) -> None:
    usage = tmp_path / "builds.csv"
    usage.write_text("time\n2026-06-01T00:00:00Z\nlast tuesday\n")

    result = preview("--now", NOW, "--usage", str(usage))

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: {usage} line 3: 'last tuesday' is not a timestamp; write RFC 3339 "
        "(2026-01-31T12:00:00Z) or epoch seconds"
    )


# Usage errors: exit code 2.


def test_managed_agents_and_usage_together_is_a_usage_error(tmp_path: Path) -> None:
    usage = tmp_path / "builds.csv"
    usage.write_text("")

    result = preview("--managed-agents", "3", "--usage", str(usage))

    assert result.exit_code == 2
    assert "--managed-agents and --usage both give managed-agent usage" in result.stderr


def test_unknown_feature_to_enable_suggests_one() -> None:
    result = preview("--enable", "audit_logs")

    assert result.exit_code == 2
    assert "'audit_logs' is not a feature of the catalogue; did you mean " in (
        result.stderr
    )


def test_keyring_is_required() -> None:
    result = run("preview", RENEWAL, "--with", CURRENT)

    assert result.exit_code == 2
    assert "Missing option '--keyring'" in result.stderr


def test_help_explains_and_gives_an_example() -> None:
    result = run("preview", "--help")

    assert result.exit_code == 0
    for option in ("--with", "--accept-downgrade", "--usage", "--managed-agents"):
        assert option in result.stdout
    assert "Example: licensesmith preview" in result.stdout
