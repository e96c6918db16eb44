"""The hostile-token corpus: every case refused, by the API and by the CLI.

Each file of ``hostile/`` names the exception, its stable code and a fragment
of its one-line message (see ``hostile/README.md``).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import verifier
from issuer.cli import main
from tests.verifier import make_hostile
from verifier import Keyring, LicenseError, NotYetValid, load_keyring, verify_license

HOSTILE = Path(__file__).resolve().parent / "hostile"
CASE_FILES = sorted(HOSTILE.glob("*.json"))
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_KEYRING = ROOT / "keys.example" / "keyring.json"

#: Named in issue 5 or the brief: the corpus must never lose one of these.
REQUIRED = (
    "alg-none-with-signature",
    "alg-None-with-signature",
    "alg-NONE-with-signature",
    "alg-nOnE-with-signature",
    "alg-none-empty-signature",
    "alg-nOnE-empty-signature",
    "alg-hs256-example-public-key-pem",
    "alg-rs256-rsa-test-key",
    "alg-es256-ec-test-key",
    "kid-missing",
    "kid-number",
    "kid-list",
    "kid-null",
    "kid-unknown",
    "kid-path-dotdot-slash",
    "kid-path-nested-slash",
    "kid-path-backslash",
    "header-tampered-one-byte",
    "payload-tampered-one-byte",
    "signature-tampered-one-byte",
    "signature-other-key-trusted-kid",
    "segments-two",
    "segments-four",
    "header-star-character",
    "payload-padded",
    "payload-space-inside",
    "signature-non-canonical-last-char",
    "payload-not-json",
    "payload-json-array",
    "payload-json-string",
    "payload-json-number",
    "payload-nested-5000-arrays",
    "payload-nested-12000-arrays-over-limit",
    "oversize-validly-signed",
    "exp-string",
    "nbf-fraction",
    "iat-true",
    "license-expires-1e30-integer",
    "exp-2-pow-70",
    "payload-nan-exp",
    "feature-string",
    "feature-fraction",
    "feature-true",
    "feature-2-pow-63",
    "header-duplicate-alg",
    "payload-duplicate-exp",
    "exp-before-nbf-not-yet-valid",
    "exp-before-nbf-within-leeway",
    "expired",
    "issued-in-future",
    "version-missing",
    "version-2",
    "license-expires-beyond-five-years",
    "account-id-empty",
)


def _case(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text())
    return case


def _now(case: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(case["now"].replace("Z", "+00:00"))


def _keyring_path(spec: Any, tmp_path: Path) -> Path:
    """Where the case's keyring is, laid out on disk when it is not the example."""
    if spec == "example":
        return EXAMPLE_KEYRING
    if spec == "dir":
        directory = tmp_path / "keyring"
        (directory / "nested").mkdir(parents=True)
        other = (ROOT / "tests" / "keys" / "other.pub").read_bytes()
        (directory / "example.pub").write_bytes(
            (ROOT / "keys.example" / "example.pub").read_bytes()
        )
        (tmp_path / "other.pub").write_bytes(other)
        (directory / "nested" / "other.pub").write_bytes(other)
        return directory
    path = tmp_path / "keyring.json"
    path.write_text(json.dumps(spec))
    return path


def _keyring(spec: Any, tmp_path: Path) -> Keyring:
    if isinstance(spec, dict):
        return Keyring.from_pems(spec)
    return load_keyring(_keyring_path(spec, tmp_path))


def test_corpus_is_large_and_complete() -> None:
    names = {path.stem for path in CASE_FILES}
    assert len(names) >= 150
    assert not set(REQUIRED) - names


def test_corpus_is_what_make_hostile_writes() -> None:
    generated = {
        case["name"]: make_hostile.render(case) for case in make_hostile.build_cases()
    }
    on_disk = {path.stem: path.read_text() for path in CASE_FILES}
    assert sorted(generated) == sorted(on_disk)
    stale = [name for name in generated if generated[name] != on_disk[name]]
    assert not stale, "run: python -m tests.verifier.make_hostile"


def test_expected_codes_are_the_classes_codes() -> None:
    for name, code in make_hostile.CODES.items():
        assert getattr(verifier, name).code == code


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: path.stem)
def test_api_refuses(path: Path, tmp_path: Path) -> None:
    case = _case(path)
    expect = case["expect"]
    keyring = _keyring(case["keyring"], tmp_path)

    with pytest.raises(LicenseError) as caught:
        verify_license(case["token"], keyring, _now(case), case.get("leeway", 0))

    error = caught.value
    message = str(error)
    assert type(error) is getattr(verifier, expect["error"]), message
    assert error.code == expect["code"]
    assert expect["message_contains"] in message
    assert message.splitlines() == [message.strip()]
    if "license" in expect:
        assert isinstance(error, NotYetValid)
        assert error.license is None


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: path.stem)
def test_cli_refuses(path: Path, tmp_path: Path) -> None:
    case = _case(path)
    license_file = tmp_path / f"{case['name']}.jwt"
    license_file.write_text(case["token"] + "\n")
    arguments = [
        "verify",
        str(license_file),
        "--keyring",
        str(_keyring_path(case["keyring"], tmp_path)),
        "--now",
        case["now"],
    ]
    if "leeway" in case:
        arguments += ["--leeway", str(case["leeway"])]

    result = CliRunner().invoke(main, arguments)

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if str(license_file) in line]
    assert len(lines) == 1, result.output
    expect = case["expect"]
    assert expect.get("cli_message_contains", expect["message_contains"]) in lines[0]
    assert lines[0].count(str(license_file)) == 1
