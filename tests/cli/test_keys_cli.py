"""``licensesmith keys``: generate, list, rotate."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from issuer.cli import main
from issuer.keys import PASSPHRASE_ENV, load_signing_key

REPO = Path(__file__).resolve().parents[2]
NOW = "2027-01-15T09:30:00Z"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    monkeypatch.setenv("LICENSESMITH_LEDGER", str(tmp_path / "ledger.sqlite3"))


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(main, ["keys", *args], **kwargs)

    return invoke


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_generate(run, tmp_path):
    out = tmp_path / "keys"

    result = run("generate", "--kid", "prod-2027", "--out", str(out), "--now", NOW)

    assert result.exit_code == 0, result.output
    assert f"wrote {out}/prod-2027.key (private key, mode 0600, not encrypted)" in (
        result.stdout
    )
    assert f"wrote {out}/prod-2027.pub (public key)" in result.stdout
    assert "fingerprint SHA256:" in result.stdout
    assert mode_of(out / "prod-2027.key") == 0o600
    assert "PRIVATE KEY" not in result.output


def test_generate_adds_to_the_keyring_json(run, tmp_path):
    (tmp_path / "keyring.json").write_text("{}")

    result = run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)

    assert result.exit_code == 0, result.output
    assert f"added k1 to {tmp_path}/keyring.json" in result.stdout
    assert list(json.loads((tmp_path / "keyring.json").read_text())) == ["k1"]


def test_generate_encrypt_prompts_twice(run, tmp_path, monkeypatch):
    monkeypatch.setattr("issuer.cli._common.interactive", lambda: True)

    result = run(
        "generate",
        "--kid",
        "k1",
        "--out",
        str(tmp_path),
        "--encrypt",
        "--now",
        NOW,
        input="s3cret pass\ns3cret pass\n",
    )

    assert result.exit_code == 0, result.output
    assert "Passphrase for the new private key" in result.output
    assert "Repeat for confirmation" in result.output
    assert "s3cret" not in result.output
    assert "mode 0600, encrypted)" in result.stdout
    monkeypatch.setenv(PASSPHRASE_ENV, "s3cret pass")
    assert load_signing_key(tmp_path / "k1.key").kid == "k1"


@pytest.mark.parametrize(
    "command",
    [["generate", "--kid", "e3", "--out"], ["rotate", "--kid", "e3", "--dir"]],
)
def test_encrypt_without_a_terminal_is_one_line(run, tmp_path, monkeypatch, command):
    run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)
    before = sorted(os.listdir(tmp_path))
    monkeypatch.setattr("issuer.cli._common.interactive", lambda: False)

    result = run(*command, str(tmp_path), "--encrypt", "--now", NOW)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: --encrypt needs a passphrase, but there is no terminal to ask for "
        f"one; set {PASSPHRASE_ENV} to it\n"
    )
    assert sorted(os.listdir(tmp_path)) == before


def test_encrypt_without_a_terminal_uses_the_environment(run, tmp_path, monkeypatch):
    monkeypatch.setattr("issuer.cli._common.interactive", lambda: False)
    monkeypatch.setenv(PASSPHRASE_ENV, "from-env")

    result = run("generate", "--kid", "e3", "--out", str(tmp_path), "--encrypt")

    assert result.exit_code == 0, result.output
    assert "mode 0600, encrypted)" in result.stdout


def test_generate_takes_the_passphrase_from_the_environment(run, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, "from-env")

    result = run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)

    assert result.exit_code == 0, result.output
    assert "encrypted)" in result.stdout
    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "k1.key").read_bytes()


def test_there_is_no_passphrase_option(run, tmp_path):
    result = run(
        "generate", "--kid", "k1", "--out", str(tmp_path), "--passphrase", "oops"
    )

    assert result.exit_code == 2
    assert "No such option" in result.output
    assert "--passphrase" in result.output
    assert not (tmp_path / "k1.key").exists()


def test_generate_refuses_an_existing_kid(run, tmp_path):
    run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)

    result = run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)

    assert result.exit_code == 1
    assert result.stderr.startswith("error: key id 'k1' already exists (")
    assert result.stderr.count("\n") == 1


def test_generate_refuses_an_invalid_kid(run, tmp_path):
    result = run("generate", "--kid", "a/b", "--out", str(tmp_path), "--now", NOW)

    assert result.exit_code == 1
    assert result.stderr == (
        "error: key id 'a/b' is not valid: use 1 to 64 characters from "
        "A-Z a-z 0-9 . _ -\n"
    )


def test_generate_without_kid_is_a_usage_error(run, tmp_path):
    result = run("generate", "--out", str(tmp_path))

    assert result.exit_code == 2
    assert "Missing option '--kid'" in result.output


def test_list_table(run, tmp_path):
    run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)

    result = run("list", str(tmp_path))

    assert result.exit_code == 0, result.output
    header, rule, row = result.stdout.splitlines()
    assert header.split() == ["KID", "FINGERPRINT", "CREATED", "PRIVATE", "KEY", "NOTE"]
    assert row.split()[0] == "k1"
    assert row.split()[2:4] == ["2027-01-15T09:30:00Z", "yes"]


def test_list_json(run, tmp_path):
    run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)
    (tmp_path / "k1.key").unlink()

    result = run("list", str(tmp_path), "--json")

    assert result.exit_code == 0, result.output
    [info] = json.loads(result.stdout)
    assert info["kid"] == "k1"
    assert info["created"] == "2027-01-15T09:30:00Z"
    assert info["has_private"] is False
    assert info["fingerprint"].startswith("SHA256:")


def test_list_notes_a_superseded_key_in_its_row(run, tmp_path):
    run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)
    run("rotate", "--dir", str(tmp_path), "--kid", "k2", "--now", NOW)

    result = run("list", str(tmp_path))

    assert result.exit_code == 0, result.output
    _, _, old, new = result.stdout.splitlines()
    assert old.startswith("k1 ")
    assert old.endswith("  yes          superseded by k2")
    assert new.startswith("k2 ")
    assert new.endswith("  yes")


def test_list_notes_both_example_and_superseded(run, tmp_path):
    shutil.copyfile(REPO / "keys.example" / "example.pub", tmp_path / "example.pub")
    record = {"superseded_by": "k2", "superseded_at": "2027-01-15T09:30:00Z"}
    (tmp_path / "keys.json").write_text(json.dumps({"keys": {"example": record}}))

    result = run("list", str(tmp_path))

    assert result.exit_code == 0, result.output
    row = result.stdout.splitlines()[2]
    assert row.endswith("EXAMPLE KEY: public, for demos only; superseded by k2")


def test_list_marks_the_example_key(run):
    result = run("list", str(REPO / "keys.example"))

    assert result.exit_code == 0, result.output
    assert "EXAMPLE KEY" in result.stdout
    assert "SHA256:eQO7PhHbnr5HGsZeJEQnRP5MyR4KGGHQ7jTOCXEkA1g" in result.stdout


def test_list_of_a_missing_directory(run, tmp_path):
    result = run("list", str(tmp_path / "absent"))

    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path / 'absent'} is not a directory of keys\n"


def test_rotate_explains_how_to_retire_the_old_key(run, tmp_path):
    run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)
    old_public = (tmp_path / "k1.pub").read_bytes()

    result = run("rotate", "--dir", str(tmp_path), "--kid", "k2", "--now", NOW)

    assert result.exit_code == 0, result.output
    assert f"Sign new licenses with --key {tmp_path}/k2.key." in result.stdout
    assert "Still trusted: k1." in result.stdout
    assert "`licensesmith ledger list --kid k1`" in result.stdout
    assert (tmp_path / "k1.pub").read_bytes() == old_public
    assert mode_of(tmp_path / "k2.key") == 0o600
    listed = run("list", str(tmp_path)).stdout
    assert "superseded by k2" in listed


def test_rotate_names_only_the_files_the_folder_has(run, tmp_path):
    run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)

    result = run("rotate", "--dir", str(tmp_path), "--kid", "k2", "--now", NOW)

    assert result.exit_code == 0, result.output
    assert "keyring.json" not in result.stdout
    assert "keys.json" not in result.stdout
    assert (
        f"retire it: remove {tmp_path}/k1.pub, here and in every keyring you ship; "
        f"then destroy {tmp_path}/k1.key or move it offline.\n"
    ) in result.stdout


def test_rotate_names_the_keyring_json_entry_when_there_is_one(run, tmp_path):
    (tmp_path / "keyring.json").write_text("{}")
    run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)

    result = run("rotate", "--dir", str(tmp_path), "--kid", "k2", "--now", NOW)

    assert result.exit_code == 0, result.output
    assert (
        f'retire it: remove {tmp_path}/k1.pub and the "k1" entry of '
        f"{tmp_path}/keyring.json, here and in every keyring you ship; then "
        f"destroy {tmp_path}/k1.key or move it offline.\n"
    ) in result.stdout


def test_rotate_does_not_name_a_private_key_that_is_not_there(run, tmp_path):
    run("generate", "--kid", "k0", "--out", str(tmp_path), "--now", NOW)
    run("generate", "--kid", "k1", "--out", str(tmp_path), "--now", NOW)
    (tmp_path / "k0.key").unlink()

    result = run("rotate", "--dir", str(tmp_path), "--kid", "k2", "--now", NOW)

    assert result.exit_code == 0, result.output
    assert (
        f"retire it: remove {tmp_path}/k0.pub, here and in every keyring you ship.\n"
    ) in result.stdout
    assert "k0.key" not in result.stdout


def test_rotate_without_a_current_key(run, tmp_path):
    result = run("rotate", "--dir", str(tmp_path), "--kid", "k2", "--now", NOW)

    assert result.exit_code == 1
    assert "holds no private key to rotate from" in result.stderr


@pytest.mark.parametrize("command", ["generate", "list", "rotate"])
def test_every_command_has_help(run, command):
    result = run(command, "--help")

    assert result.exit_code == 0
    assert "Example: licensesmith keys" in result.output


def test_the_group_has_help(run):
    result = run("--help")

    assert result.exit_code == 0
    for command in ("generate", "list", "rotate"):
        assert command in result.output


def test_generate_with_a_broken_keys_json_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "keys.json").write_text("{broken")

    result = CliRunner().invoke(
        main, ["keys", "generate", "--kid", "k1", "--out", str(tmp_path)]
    )

    assert result.exit_code == 1
    assert "keys.json" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["keys.json"]
