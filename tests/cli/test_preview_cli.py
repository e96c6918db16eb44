"""``licensesmith preview`` through click's runner: output and exit codes."""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from issuer.cli import main
from tests.conftest import DAY, EXAMPLE_KEYRING, ROOT, example_claims, sign_example

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


# An existing license that does not verify: refused, by preview and issue alike.


def tampered_copy(source: str, target: Path) -> str:
    """``source`` with one character of its signature changed."""
    head, body, signature = Path(source).read_text().strip().split(".")
    flipped = "B" if signature[5] == "A" else "A"
    target.write_text(f"{head}.{body}.{signature[:5]}{flipped}{signature[6:]}\n")
    return str(target)


def test_tampered_existing_license_is_refused(tmp_path: Path) -> None:
    current = tampered_copy(CURRENT, tmp_path / "cur.jwt")

    result = run(
        "preview", RENEWAL, "--with", current, "--keyring", KEYRING, "--now", NOW
    )

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {current} is not a valid license (token signature does not "
        "verify), so the downgrade check cannot be trusted; fix or drop it\n"
    )


def test_a_file_that_is_no_license_is_refused_as_existing() -> None:
    readme = str(DEMO / "README.md")

    result = run(
        "preview", RENEWAL, "--with", readme, "--keyring", KEYRING, "--now", NOW
    )

    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {readme} is not a valid license (")
    assert line.endswith("so the downgrade check cannot be trusted; fix or drop it")


def test_an_early_renewal_already_loaded_is_a_fine_existing_license() -> None:
    # On 2026-06-01 the renewal is not yet valid: the customer loaded it early.
    result = run(
        "preview",
        CURRENT,
        "--with",
        RENEWAL,
        "--keyring",
        KEYRING,
        "--now",
        "2026-06-01T00:00:00Z",
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("No downgrade.\n")


# A renewal that lowers seats while the current license still counts.

RENEWAL_DAY = datetime(2027, 12, 3, tzinfo=UTC)


def seats_license(path: Path, count: int, start: datetime, days: int) -> str:
    """``count`` seats from ``start``, a term of ``days`` and 30 days of grace."""
    begin = int(start.timestamp())
    end = begin + days * DAY
    claims = example_claims(
        start, iat=begin, nbf=begin, license_expires=end, exp=end + 30 * DAY
    )
    claims["features"] = {**claims["features"], "user_limit": count}
    path.write_text(sign_example(claims) + "\n")
    return str(path)


def seats_preview(tmp_path: Path, *args: str) -> Result:
    last_year = RENEWAL_DAY - timedelta(days=365)
    current = seats_license(tmp_path / "cur.jwt", 150, last_year, 365)
    renewal = seats_license(tmp_path / "renewal.jwt", 100, RENEWAL_DAY, 365)
    return run(
        "preview",
        renewal,
        "--with",
        current,
        "--keyring",
        KEYRING,
        "--now",
        "2027-11-01T00:00:00Z",
        *args,
    )


def test_lower_seats_are_flagged_for_when_the_current_license_ends(
    tmp_path: Path,
) -> None:
    result = seats_preview(tmp_path)

    assert result.exit_code == 1
    assert (
        "\n  DOWNGRADE  user_limit  limit  150 -> 100  lowered, when the current "
        "licenses end on 2028-01-02\n\n1 downgrade.\n"
    ) in result.stdout
    assert result.stderr.splitlines()[-1] == (
        "error: the new license makes 1 thing worse (marked DOWNGRADE); if that is "
        "intended, run again with --accept-downgrade"
    )


def test_lapse_changes_are_in_the_json(tmp_path: Path) -> None:
    result = seats_preview(tmp_path, "--json")

    assert result.exit_code == 1
    output = json.loads(result.stdout)
    assert output["after"]["features"]["user_limit"]["limit"] == 150
    assert output["lapse"]["at"] == "2028-01-02T00:00:00Z"
    changes = output["lapse"]["changes"]
    assert [(c["feature"], c["before"], c["after"]) for c in changes] == [
        ("user_limit", 150, 100)
    ]
    assert output["downgrades"] == 1


# issue --with: the same checks, and nothing issued when they fail.

ISSUE_NOW = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


def issue_with(tmp_path: Path, existing: str) -> tuple[Result, Path, Path]:
    out, ledger = tmp_path / "new.jwt", tmp_path / "ledger.sqlite3"
    result = run(
        "issue",
        str(ROOT / "templates" / "premium.yaml"),
        str(ROOT / "examples" / "acme-premium.yaml"),
        "--key",
        str(ROOT / "keys.example" / "example.key"),
        "--out",
        str(out),
        "--ledger",
        str(ledger),
        "--now",
        "2026-12-03T17:00:00Z",
        "--yes",
        "--with",
        existing,
        "--keyring",
        KEYRING,
    )
    return result, out, ledger


def test_issue_refuses_an_existing_file_that_is_no_license(tmp_path: Path) -> None:
    readme = str(DEMO / "README.md")

    result, out, ledger = issue_with(tmp_path, readme)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(
        f"error: {readme} is not a valid license ("
    )
    assert not out.exists()
    assert not ledger.exists()


def test_issue_refuses_seats_lowered_once_the_current_license_ends(
    tmp_path: Path,
) -> None:
    # 300 seats until 5 days from now, grace to 2027-01-02; the order has 150.
    current = seats_license(
        tmp_path / "cur.jwt", 300, ISSUE_NOW - timedelta(days=360), 365
    )

    result, out, ledger = issue_with(tmp_path, current)

    assert result.exit_code == 1
    assert "  DOWNGRADE  user_limit  limit  300 -> 150  lowered, when the current " in (
        result.stderr
    )
    assert "nothing was issued" in result.stderr.splitlines()[-1]
    assert not out.exists()
    assert not ledger.exists()


def test_issue_with_a_current_license_and_no_downgrade_writes_it(
    tmp_path: Path,
) -> None:
    current = seats_license(
        tmp_path / "cur.jwt", 150, ISSUE_NOW - timedelta(days=360), 365
    )

    result, out, _ = issue_with(tmp_path, current)

    assert result.exit_code == 0, result.output
    assert "  nothing else gets worse when the current licenses end on " in (
        result.stderr
    )
    assert out.exists()
