"""``verify`` and ``inspect`` through click's runner: exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from issuer.cli import main
from tests.conftest import DAY, EXAMPLE_KEYRING, NOW, example_claims, sign_example

NOW_ARG = ["--now", "2027-03-01T12:00:00Z"]


def _write(tmp_path: Path, name: str, token: str) -> str:
    path = tmp_path / name
    path.write_text(token + "\n")
    return str(path)


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def test_verify_valid_license_exits_0_and_names_account(tmp_path: Path) -> None:
    path = _write(tmp_path, "good.jwt", sign_example(example_claims()))

    result = _run("verify", path, "--keyring", str(EXAMPLE_KEYRING), *NOW_ARG)

    assert result.exit_code == 0, result.output
    assert f"{path}: valid: salesforce/acct-test" in result.output
    assert "grace until 2028-03-20T12:00:00Z" in result.output
    assert "EXAMPLE key" in result.output


def test_verify_expired_license_exits_1_with_one_line(tmp_path: Path) -> None:
    moment = int(NOW.timestamp())
    claims = example_claims(license_expires=moment - DAY, exp=moment)
    path = _write(tmp_path, "old.jwt", sign_example(claims))

    result = _run("verify", path, "--keyring", str(EXAMPLE_KEYRING), *NOW_ARG)

    assert result.exit_code == 1
    assert f"{path}: invalid: license expired at 2027-03-01T12:00:00Z" in result.output
    assert "Traceback" not in result.output


def test_verify_mixed_files_fails_when_any_is_invalid(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.jwt", sign_example(example_claims()))
    bad = _write(tmp_path, "bad.jwt", "not.a.token")

    result = _run(
        "verify", good, bad, "--keyring", str(EXAMPLE_KEYRING), *NOW_ARG, "--json"
    )

    assert result.exit_code == 1
    reports = json.loads(result.stdout)
    assert [report["status"] for report in reports] == ["valid", "invalid"]
    assert reports[1]["code"] == "malformed"


def test_verify_not_yet_valid_is_its_own_outcome(tmp_path: Path) -> None:
    moment = int(NOW.timestamp())
    claims = example_claims(nbf=moment + DAY)
    path = _write(tmp_path, "renewal.jwt", sign_example(claims))

    result = _run("verify", path, "--keyring", str(EXAMPLE_KEYRING), *NOW_ARG)

    assert result.exit_code == 1
    assert (
        f"{path}: license is not yet valid: its term starts at 2027-03-02"
        in result.output
    )


def test_verify_leeway_accepts_a_license_starting_within_it(tmp_path: Path) -> None:
    moment = int(NOW.timestamp())
    path = _write(tmp_path, "soon.jwt", sign_example(example_claims(nbf=moment + 30)))

    result = _run(
        "verify", path, "--keyring", str(EXAMPLE_KEYRING), *NOW_ARG, "--leeway", "60"
    )

    assert result.exit_code == 0, result.output


def test_verify_rejects_leeway_out_of_bounds(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.jwt", sign_example(example_claims()))

    result = _run(
        "verify", path, "--keyring", str(EXAMPLE_KEYRING), "--leeway", "99999"
    )

    assert result.exit_code == 2
    assert "--leeway" in result.output


def test_verify_missing_file_is_one_line(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.jwt")

    result = _run("verify", missing, "--keyring", str(EXAMPLE_KEYRING), *NOW_ARG)

    assert result.exit_code == 1
    assert "missing.jwt: invalid: " in result.output
    assert "cannot read" in result.output


def test_verify_bad_now_is_a_usage_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.jwt", sign_example(example_claims()))

    result = _run(
        "verify", path, "--keyring", str(EXAMPLE_KEYRING), "--now", "yesterday"
    )

    assert result.exit_code == 2
    assert "RFC 3339" in result.output


def test_inspect_marks_output_unverified_and_example_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.jwt", sign_example(example_claims()))

    result = _run("inspect", path)

    assert result.exit_code == 0
    assert "UNVERIFIED" in result.output
    assert 'kid: "example"' in result.output
    assert 'account_id: "acct-test"' in result.output
    assert '"managed_agent_limit_hard": 200' in result.output
    assert "EXAMPLE key" in result.output


def test_inspect_json_has_header_and_claims(tmp_path: Path) -> None:
    claims = example_claims()
    path = _write(tmp_path, "a.jwt", sign_example(claims))

    result = _run("inspect", path, "--json")

    decoded = json.loads(result.stdout)
    assert decoded["verified"] is False
    assert decoded["header"] == {"alg": "EdDSA", "kid": "example", "typ": "JWT"}
    assert decoded["claims"] == claims


def test_inspect_garbage_is_one_line_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "junk.jwt", "hello")

    result = _run("inspect", path)

    assert result.exit_code == 1
    expected = f"error: {path}: token has 1 segments; a license has three"
    assert result.output.strip() == expected + ", separated by dots"


def test_verify_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.jwt"
    path.write_bytes(
        b"\xef\xbb\xbf" + sign_example(example_claims()).encode() + b"\r\n"
    )

    result = _run("verify", str(path), "--keyring", str(EXAMPLE_KEYRING), *NOW_ARG)

    assert result.exit_code == 0, result.output


def test_verify_empty_file_says_so_once(tmp_path: Path) -> None:
    path = tmp_path / "empty.jwt"
    path.write_text("")

    result = _run("verify", str(path), "--keyring", str(EXAMPLE_KEYRING), *NOW_ARG)

    assert result.exit_code == 1
    assert result.output.count(str(path)) == 1
    assert "the file is empty" in result.output
