"""``licensesmith ledger``: list, show, export."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from issuer.cli import main
from issuer.ledger import Ledger
from tests.issuer.test_ledger import make_entry

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ACME = "a1b2c3d4-0000-4000-8000-000000000001"
GLOBEX = "b2c3d4e5-0000-4000-8000-000000000002"
DEMO = "c3d4e5f6-0000-4000-8000-000000000003"


@pytest.fixture(autouse=True)
def ledger_path(tmp_path, monkeypatch):
    """Every test uses its own ledger, never the real per-user one."""
    path = tmp_path / "ledger.sqlite3"
    monkeypatch.setenv("LICENSESMITH_LEDGER", str(path))
    return path


def record(book: Ledger, jti: str, account: str, kid: str, day: int, **kw) -> None:
    entry = make_entry(
        jti,
        account=account,
        kid=kid,
        template=kw.get("template", "premium"),
        example=kw.get("example", False),
        now=NOW + timedelta(days=day),
    )
    output = kw.get("output", f"out/{account}.jwt")
    book.record(dataclasses.replace(entry, output_path=output))


@pytest.fixture
def filled(ledger_path):
    with Ledger(ledger_path) as book:
        record(book, ACME, "0015000000ACME", "prod-2027", 0)
        record(book, GLOBEX, "0015000000GLOBEX", "prod-2027", 1, template="trial")
        record(book, DEMO, "0015000000DEMO", "example", 2, example=True)
    return ledger_path


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["ledger", *args])

    return invoke


def test_list_table_marks_the_example_key(run, filled):
    result = run("list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "JTI",
        "RECORDED",
        "ACCOUNT",
        "TEMPLATE",
        "KID",
        "EXPIRES",
        "NOTE",
    ]
    assert lines[2].split() == [
        ACME,
        "2027-03-01T12:00:00Z",
        "salesforce/0015000000ACME",
        "premium",
        "prod-2027",
        "2028-02-29",
    ]
    assert lines[4].split()[-4:] == ["example", "2028-02-29", "EXAMPLE", "KEY"]
    assert len(lines) == 5


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--account", "0015000000GLOBEX"], [GLOBEX]),
        (["--template", "trial"], [GLOBEX]),
        (["--kid", "prod-2027"], [ACME, GLOBEX]),
        (["--since", "2027-03-02"], [GLOBEX, DEMO]),
        (["--until", "2027-03-02"], [ACME, GLOBEX]),
        (["--since", "2027-03-02T12:00:01Z"], [DEMO]),
        (["--until", "2027-03-01T12:00:00+00:00"], []),
    ],
)
def test_list_filters(run, filled, options, expected):
    result = run("list", "--json", *options)

    assert result.exit_code == 0, result.output
    assert [entry["jti"] for entry in json.loads(result.stdout)] == expected


def test_list_nothing_matches(run, filled):
    result = run("list", "--account", "nobody")

    assert result.exit_code == 0
    assert result.stdout == "no licenses match\n"


def test_list_bad_date_is_a_usage_error(run, filled):
    result = run("list", "--since", "last tuesday")

    assert result.exit_code == 2
    assert "'last tuesday' is neither a date nor an RFC 3339 time" in result.output


def test_ledger_option_beats_the_environment(run, filled, tmp_path, monkeypatch):
    monkeypatch.setenv("LICENSESMITH_LEDGER", str(tmp_path / "elsewhere.sqlite3"))

    result = runner_with_ledger(filled, "list", "--json")

    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 3


def runner_with_ledger(path, *args):
    return CliRunner().invoke(main, ["ledger", "--ledger", str(path), *args])


def test_missing_ledger_is_one_line_and_not_created(run, tmp_path):
    absent = tmp_path / "absent.sqlite3"

    result = runner_with_ledger(absent, "list")

    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no ledger at {absent};")
    assert result.stderr.count("\n") == 1
    assert not absent.exists()


def test_a_folder_as_the_ledger_is_one_line(run, tmp_path, monkeypatch):
    folder = tmp_path / "x"
    folder.mkdir()
    monkeypatch.setenv("LICENSESMITH_LEDGER", str(folder))

    result = run("list")

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: ledger {folder} is a folder; give a file path with --ledger or "
        "LICENSESMITH_LEDGER\n"
    )


def test_a_ledger_below_a_file_is_one_line(run, tmp_path, monkeypatch):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file")
    monkeypatch.setenv("LICENSESMITH_LEDGER", str(blocker / "ledger.sqlite3"))

    result = run("list")

    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no ledger at {blocker}/ledger.sqlite3;")
    assert result.stderr.count("\n") == 1


def test_corrupt_ledger(run, tmp_path):
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not sqlite at all " * 200)

    result = runner_with_ledger(broken, "list")

    assert result.exit_code == 1
    assert f"error: {broken} is not a readable licensesmith ledger" in result.stderr
    assert "Traceback" not in result.output


def test_show_by_prefix(run, filled):
    result = run("show", ACME[:8])

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"jti           {ACME}\n" in out
    assert "account       salesforce/0015000000ACME\n" in out
    assert f"template      premium  sha256 {'a' * 64}\n" in out
    assert f"order         orders/acme.yaml  sha256 {'b' * 64}\n" in out
    assert "key id        prod-2027\n" in out
    assert "token sha256  " in out
    assert "issued by     " in out
    assert "recorded at   2027-03-01T12:00:00Z\n" in out
    assert "term          2027-03-01T12:00:00Z to 2028-02-29T12:00:00Z\n" in out
    assert '"user_limit": 150' in out
    assert "EXAMPLE" not in result.output


def test_show_says_when_the_output_file_is_not_there(
    run, filled, tmp_path, monkeypatch
):
    # Recorded, then the write failed (or the file was moved): say so.
    monkeypatch.chdir(tmp_path)

    result = run("show", ACME)

    assert result.exit_code == 0, result.output
    assert "output        out/0015000000ACME.jwt (file not found now)\n" in (
        result.stdout
    )
    assert "written to" not in result.stdout


def test_show_names_an_output_file_that_is_there(run, filled, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "0015000000ACME.jwt").write_text("token\n")

    result = run("show", ACME)

    assert result.exit_code == 0, result.output
    assert "output        out/0015000000ACME.jwt\n" in result.stdout


def test_show_of_a_license_printed_to_standard_output(run, ledger_path):
    with Ledger(ledger_path) as book:
        record(book, ACME, "0015000000ACME", "prod-2027", 0, output=None)

    result = run("show", ACME)

    assert result.exit_code == 0, result.output
    assert "output        standard output\n" in result.stdout


def test_show_marks_the_example_key(run, filled):
    result = run("show", DEMO)

    assert result.exit_code == 0, result.output
    assert "key id        example  EXAMPLE KEY: signed with the EXAMPLE key" in (
        result.stdout
    )
    assert "EXAMPLE key" in result.stderr


def test_show_json(run, filled):
    result = run("show", GLOBEX, "--json")

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["jti"] == GLOBEX
    assert shown["template_name"] == "trial"
    assert shown["example_key"] is False
    assert shown["claims"]["account_id"] == "0015000000GLOBEX"
    assert shown["recorded_at"] == "2027-03-02T12:00:00Z"


@pytest.mark.parametrize(
    ("jti", "message"),
    [
        ("a1b2", "error: 'a1b2' is too short to look up"),
        ("ffffffff", "error: no license with jti 'ffffffff'"),
    ],
)
def test_show_unknown(run, filled, jti, message):
    result = run("show", jti)

    assert result.exit_code == 1
    assert result.stderr.startswith(message)


def test_export_csv_to_stdout(run, filled):
    result = run("export", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["jti"] for row in rows] == [ACME, GLOBEX, DEMO]
    assert [row["example_key"] for row in rows] == ["false", "false", "true"]


def test_export_json_to_a_file(run, filled, tmp_path):
    out = tmp_path / "issued.json"

    result = run("export", "--format", "json", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out}\n"
    assert [item["jti"] for item in json.loads(out.read_text())] == [
        ACME,
        GLOBEX,
        DEMO,
    ]
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_export_refuses_to_overwrite_without_force(run, filled, tmp_path):
    out = tmp_path / "issued.csv"
    out.write_text("keep me")

    refused = run("export", "--format", "csv", "--out", str(out))
    forced = run("export", "--format", "csv", "--out", str(out), "--force")

    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"error: {out} already exists;")
    assert "--force" in refused.stderr
    assert forced.exit_code == 0
    assert out.read_text().startswith("jti,account_type,")


def test_export_needs_a_format(run, filled):
    result = run("export")

    assert result.exit_code == 2
    assert "Missing option '--format'" in result.output


@pytest.mark.parametrize("command", ["list", "show", "export"])
def test_every_command_has_help(run, command):
    result = run(command, "--help")

    assert result.exit_code == 0
    assert "Example: licensesmith ledger" in result.output


def test_the_group_has_help(run):
    result = run("--help")

    assert result.exit_code == 0
    assert "--ledger PATH" in result.output
    for command in ("list", "show", "export"):
        assert command in result.output
