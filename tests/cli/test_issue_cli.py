"""``compile`` and ``issue`` through click's runner, on the real templates."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from issuer.cli import main
from issuer.ledger import Ledger
from tests.conftest import EXAMPLE_KEY, EXAMPLE_KEYRING, ROOT

NOW = "2026-12-03T17:00:00Z"
PREMIUM = str(ROOT / "templates" / "premium.yaml")
ACME = str(ROOT / "examples" / "acme-premium.yaml")


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def _issue(  # type: ignore[no-untyped-def]
    out: Path, *extra: str, key: Path = EXAMPLE_KEY, ask: str | None = None
):
    """Issue the example order; ``ask`` answers the confirmation instead of --yes."""
    arguments = ["issue", PREMIUM, ACME, "--key", str(key), "--out", str(out)]
    arguments += ["--now", NOW, *extra]
    if ask is None:
        arguments.append("--yes")
    return CliRunner().invoke(main, arguments, input=ask)


def test_compile_json_prints_claims_and_signs_nothing(tmp_path: Path) -> None:
    result = _run("compile", PREMIUM, ACME, "--now", NOW, "--json")

    assert result.exit_code == 0, result.output
    claims = json.loads(result.stdout)
    assert claims["features"] == {
        "user_limit": 150,
        "managed_agent_limit_soft": 100,
        "managed_agent_limit_hard": 200,
    }
    assert claims["exp"] - claims["license_expires"] == 30 * 86400
    assert not list(tmp_path.iterdir())


def test_compile_set_overrides_a_value() -> None:
    result = _run(
        "compile", PREMIUM, ACME, "--now", NOW, "--json", "--set", "seats=200"
    )

    assert json.loads(result.stdout)["features"]["user_limit"] == 200


def test_issue_writes_verified_license_and_ledger_record(tmp_path: Path) -> None:
    out = tmp_path / "acme.jwt"
    ledger = tmp_path / "ledger.sqlite3"

    result = _issue(out, "--ledger", str(ledger))

    assert result.exit_code == 0, result.output
    assert f"{out}: verified: salesforce/0015g00000AcmeWdg" in result.stdout
    assert "EXAMPLE key" in result.output
    token = out.read_text().strip()
    entries = Ledger(ledger).list()
    assert [entry.token for entry in entries] == [token]
    assert entries[0].example_key is True

    verified = _run(
        "verify",
        str(out),
        "--keyring",
        str(EXAMPLE_KEYRING),
        "--now",
        "2026-12-04T00:00:00Z",
    )
    assert verified.exit_code == 0, verified.output


def test_issue_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "acme.jwt"
    out.write_text("keep me\n")

    result = _issue(out)

    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert out.read_text() == "keep me\n"


def test_issue_force_replaces(tmp_path: Path) -> None:
    out = tmp_path / "acme.jwt"
    out.write_text("old\n")

    result = _issue(out, "--force")

    assert result.exit_code == 0, result.output
    assert out.read_text().count(".") == 2


def test_issue_dry_run_signs_records_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "acme.jwt"
    ledger = tmp_path / "ledger.sqlite3"

    result = _issue(out, "--dry-run", "--ledger", str(ledger))

    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    assert not out.exists()
    assert not ledger.exists()


def test_issue_summary_names_account_term_and_limits(tmp_path: Path) -> None:
    result = _issue(tmp_path / "acme.jwt", "--set", "start=2027-01-01T00:00:00Z")

    assert "term start           2027-01-01T00:00:00Z" in result.output
    assert "end of grace         2028-01-31T00:00:00Z" in result.output
    assert "managed_agent_limit  soft 100 / hard 200" in result.output


def test_issue_bad_order_value_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "acme.jwt"

    result = _issue(out, "--set", "agents_hard=50", key=EXAMPLE_KEY)

    assert result.exit_code == 1
    assert "hard" in result.output and "below" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_issue_refuses_group_readable_private_key(tmp_path: Path) -> None:
    key = tmp_path / "mine.key"
    generated = _run("keys", "generate", "--kid", "mine", "--out", str(tmp_path))
    assert generated.exit_code == 0, generated.output
    key.chmod(0o644)

    result = _issue(tmp_path / "a.jwt", key=key)

    assert result.exit_code == 1
    assert "mine.key" in result.output
    assert not (tmp_path / "a.jwt").exists()


@pytest.mark.parametrize(
    "template",
    sorted(
        path.name
        for path in (ROOT / "templates").glob("*.yaml")
        if path.name != "base.yaml"
    ),
)
def test_every_template_issues_with_its_example_order(
    tmp_path: Path, template: str
) -> None:
    orders = [
        path
        for path in sorted((ROOT / "examples").glob("*.yaml"))
        if f"template: {template.removesuffix('.yaml')}\n" in path.read_text()
    ]
    assert orders, f"no example order in examples/ for {template}"
    out = tmp_path / "license.jwt"

    result = _run(
        "issue",
        str(ROOT / "templates" / template),
        str(orders[0]),
        "--key",
        str(EXAMPLE_KEY),
        "--out",
        str(out),
        "--now",
        NOW,
        "--yes",
    )

    assert result.exit_code == 0, result.output
    assert out.read_text().count(".") == 2


def test_issue_in_a_terminal_asks_and_stops_on_no(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("issuer.cli._common.interactive", lambda: True)
    out = tmp_path / "acme.jwt"
    ledger = tmp_path / "ledger.sqlite3"

    result = _issue(out, "--ledger", str(ledger), ask="n\n")

    assert result.exit_code == 1
    assert "Sign and record this license? [y/N]" in result.output
    assert not out.exists() and not ledger.exists()


def test_issue_in_a_terminal_signs_after_yes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("issuer.cli._common.interactive", lambda: True)
    out = tmp_path / "acme.jwt"

    result = _issue(out, ask="y\n")

    assert result.exit_code == 0, result.output
    assert out.exists()


def _generate(folder: Path, kid: str) -> Path:
    result = _run("keys", "generate", "--kid", kid, "--out", str(folder))
    assert result.exit_code == 0, result.output
    return folder / f"{kid}.key"


def test_issue_refuses_a_kid_whose_published_key_differs(tmp_path: Path) -> None:
    _generate(tmp_path, "acme-2027")
    newer = _generate(tmp_path, "acme-2028")
    out = tmp_path / "wrong.jwt"

    result = _run(
        "issue",
        PREMIUM,
        ACME,
        "--key",
        str(newer),
        "--kid",
        "acme-2027",
        "--out",
        str(out),
        "--now",
        NOW,
        "--yes",
    )

    assert result.exit_code == 1
    assert "kid 'acme-2027'" in result.output and "different key" in result.output
    assert not out.exists()


def test_issue_refuses_a_kid_its_folder_does_not_publish(tmp_path: Path) -> None:
    key = _generate(tmp_path, "acme-2027")
    copy = tmp_path / "mykey.key"
    copy.write_bytes(key.read_bytes())
    copy.chmod(0o600)

    result = _issue(tmp_path / "a.jwt", key=copy)

    assert result.exit_code == 1
    assert "publishes no public key for kid 'mykey'" in result.output


def test_issue_warns_when_no_public_key_is_beside_the_private_one(
    tmp_path: Path,
) -> None:
    key = _generate(tmp_path / "keys", "lonely")
    alone = tmp_path / "alone"
    alone.mkdir()
    moved = alone / "lonely.key"
    moved.write_bytes(key.read_bytes())
    moved.chmod(0o600)

    result = _issue(tmp_path / "a.jwt", key=moved)

    assert result.exit_code == 0, result.output
    assert "warning: no lonely.pub beside" in result.output


def test_issue_checks_the_output_folder_before_signing(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"

    result = _issue(tmp_path / "missing" / "a.jwt", "--ledger", str(ledger))

    assert result.exit_code == 1
    assert "the folder" in result.output and "does not exist" in result.output
    assert not ledger.exists()


def test_compile_accepts_an_order_alone_when_it_names_its_template() -> None:
    result = _run("compile", ACME, "--now", NOW, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["features"]["user_limit"] == 150


def test_summary_shows_the_product_default_for_premium_without_a_pair(
    tmp_path: Path,
) -> None:
    order = tmp_path / "order.yaml"
    order.write_text("template: premium\naccount_id: acct-1\nseats: 10\n")

    result = _run("compile", PREMIUM, str(order), "--now", NOW)

    assert "managed_agent_limit  soft 8000 / hard 10000 (product default)" in (
        result.output
    )


def test_now_outside_expressible_years_is_a_usage_error() -> None:
    result = _run("compile", PREMIUM, ACME, "--now", "0001-01-01T00:00:00Z")

    assert result.exit_code == 2
    assert "1970" in result.output


def test_missing_templates_folder_is_a_usage_error() -> None:
    result = _run("compile", ACME, "--templates", "/nonexistent-folder")

    assert result.exit_code == 2


def test_set_without_equals_is_a_usage_error_on_one_line() -> None:
    result = _run("compile", PREMIUM, ACME, "--set", "account_id")

    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "account_id" in result.output


def test_force_never_replaces_something_that_is_not_a_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jwt"
    os.mkfifo(fifo)

    result = _issue(fifo, "--force")

    assert result.exit_code == 1
    assert "is not a regular file" in result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_ledger_that_is_not_a_regular_file_is_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "ledger"
    os.mkfifo(fifo)

    result = _issue(tmp_path / "a.jwt", "--ledger", str(fifo))

    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"error: ledger {fifo} is not a regular file; give a file path with "
        "--ledger or LICENSESMITH_LEDGER"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ledger"]


def test_a_ledger_folder_given_as_option_is_one_line(tmp_path: Path) -> None:
    result = _issue(tmp_path / "a.jwt", "--ledger", str(tmp_path))

    assert result.exit_code == 1
    assert "is a folder; give a file path" in result.output
