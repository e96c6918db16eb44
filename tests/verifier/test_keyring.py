"""Keyrings: JSON and directory forms, and everything they refuse to trust."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.verifier.make_hostile import OTHER, ed25519, header, jws
from verifier import (
    Keyring,
    KeyringError,
    UnknownKey,
    is_example_key,
    is_valid_kid,
    load_keyring,
    verify_license,
)
from verifier._keyring import raw_public_bytes

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PUB = (ROOT / "keys.example" / "example.pub").read_text()
TEST_KEYS = ROOT / "tests" / "keys"
OTHER_PUB = (TEST_KEYS / "other.pub").read_text()
AT = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)

EXAMPLE_RAW = bytes.fromhex(
    "2c4e83ce74a9e1c1c38345c14d5468711ae9f531ba4bf0df8f11cd63c548289e"
)


def _write_json(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "keyring.json"
    path.write_text(json.dumps(data))
    return path


# -- what loads ------------------------------------------------------------


def test_example_json_keyring() -> None:
    keyring = load_keyring(ROOT / "keys.example" / "keyring.json")

    assert list(keyring) == ["example"]
    assert raw_public_bytes(keyring["example"]) == EXAMPLE_RAW
    assert is_example_key(keyring["example"])
    assert keyring.source.endswith("keyring.json")


def test_json_keyring_trusts_several_keys_at_once(tmp_path: Path) -> None:
    path = _write_json(tmp_path, {"example": EXAMPLE_PUB, "other": OTHER_PUB})
    keyring = load_keyring(path)

    assert sorted(keyring) == ["example", "other"]
    assert verify_license(jws(), keyring, AT).kid == "example"
    other_token = jws(header(kid="other"), signer=ed25519(OTHER))
    assert verify_license(other_token, keyring, AT).kid == "other"
    assert not is_example_key(keyring["other"])


def test_directory_keyring_reads_only_pub_files(tmp_path: Path) -> None:
    (tmp_path / "example.pub").write_text(EXAMPLE_PUB)
    (tmp_path / "other.pub").write_text(OTHER_PUB)
    # What `keys generate` leaves beside them is not read as a public key.
    (tmp_path / "example.key").write_text("not a public key")
    (tmp_path / "keys.json").write_text("{}")
    (tmp_path / "README").write_text("keys")

    keyring = load_keyring(tmp_path)

    assert sorted(keyring) == ["example", "other"]
    assert keyring.source == str(tmp_path)
    assert raw_public_bytes(keyring["example"]) == EXAMPLE_RAW


def test_retiring_a_kid_refuses_its_licenses(tmp_path: Path) -> None:
    (tmp_path / "example.pub").write_text(EXAMPLE_PUB)
    (tmp_path / "other.pub").write_text(OTHER_PUB)
    token = jws()
    assert verify_license(token, load_keyring(tmp_path), AT).kid == "example"

    (tmp_path / "example.pub").unlink()

    with pytest.raises(UnknownKey, match="token kid 'example' is not in the keyring"):
        verify_license(token, load_keyring(tmp_path), AT)


def test_from_pems_accepts_text_and_bytes() -> None:
    keyring = Keyring.from_pems({"a": EXAMPLE_PUB, "b": EXAMPLE_PUB.encode()})

    assert (
        raw_public_bytes(keyring["a"]) == raw_public_bytes(keyring["b"]) == EXAMPLE_RAW
    )


def test_keyring_is_read_only() -> None:
    keyring = Keyring.from_pems({"example": EXAMPLE_PUB})

    with pytest.raises(TypeError):
        keyring["other"] = keyring["example"]  # type: ignore[index]
    assert len(keyring) == 1 and "other" not in keyring


# -- what is refused -------------------------------------------------------


@pytest.mark.parametrize("name", ["rsa2048", "ec-p256"])
def test_non_ed25519_key_refused_in_json(tmp_path: Path, name: str) -> None:
    pem = (TEST_KEYS / f"{name}.pub").read_text()
    path = _write_json(tmp_path, {"example": EXAMPLE_PUB, name: pem})

    with pytest.raises(KeyringError) as caught:
        load_keyring(path)

    assert str(caught.value) == f"{path}: {name}: not an Ed25519 public key"


@pytest.mark.parametrize("name", ["rsa2048", "ec-p256"])
def test_non_ed25519_key_refused_in_directory(tmp_path: Path, name: str) -> None:
    (tmp_path / "example.pub").write_text(EXAMPLE_PUB)
    (tmp_path / f"{name}.pub").write_bytes((TEST_KEYS / f"{name}.pub").read_bytes())

    with pytest.raises(KeyringError, match=f"{name}: not an Ed25519 public key"):
        load_keyring(tmp_path)


@pytest.mark.parametrize(
    "pem",
    [
        "hello",
        "",
        (TEST_KEYS / "other.key").read_text(),  # a private key pasted by mistake
        EXAMPLE_PUB.replace("MCow", "MCox"),
    ],
    ids=["prose", "empty", "private-key", "corrupt"],
)
def test_not_a_public_key_pem_is_refused(pem: str) -> None:
    with pytest.raises(KeyringError, match="example: not a PEM public key"):
        Keyring.from_pems({"example": pem})


@pytest.mark.parametrize(
    "kid", ["", "k" * 65, "bad kid", "a/b", "..\\b", "caf\u00e9", "tab\t"]
)
def test_bad_kid_names_refused(kid: str) -> None:
    with pytest.raises(KeyringError) as caught:
        Keyring.from_pems({kid: EXAMPLE_PUB})

    assert str(caught.value) == (
        f"keyring: kid {kid!r} must be 1-64 characters of A-Z a-z 0-9 . _ -"
    )


def test_bad_kid_file_name_refused_in_directory(tmp_path: Path) -> None:
    (tmp_path / "example.pub").write_text(EXAMPLE_PUB)
    (tmp_path / "old key.pub").write_text(OTHER_PUB)

    with pytest.raises(KeyringError, match="kid 'old key' must be 1-64 characters"):
        load_keyring(tmp_path)


def test_empty_directory_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyringError) as caught:
        load_keyring(tmp_path)

    assert str(caught.value) == (
        f"keyring {tmp_path}: no <kid>.pub files in this directory"
    )


def test_directory_without_pub_files_refused(tmp_path: Path) -> None:
    (tmp_path / "example.key").write_text("private")

    with pytest.raises(KeyringError, match="no <kid>.pub files"):
        load_keyring(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ('["example"]', 'expected a JSON object {"kid": "PEM"}'),
        ('{"example": 1}', 'expected a JSON object {"kid": "PEM"}'),
    ],
    ids=["truncated", "array", "number"],
)
def test_json_keyring_of_the_wrong_shape(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "keyring.json"
    path.write_text(content)

    with pytest.raises(KeyringError) as caught:
        load_keyring(path)

    assert str(caught.value).startswith(f"keyring {path}: ")
    assert message in str(caught.value)


def test_json_keyring_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    path.write_bytes(b"\xff\xfe{}")

    with pytest.raises(KeyringError, match="not valid JSON"):
        load_keyring(path)


def test_missing_keyring_is_a_keyring_error(tmp_path: Path) -> None:
    with pytest.raises(KeyringError) as caught:
        load_keyring(tmp_path / "absent.json")

    assert str(caught.value) == (
        f"keyring {tmp_path / 'absent.json'}: No such file or directory"
    )


@pytest.mark.parametrize(
    ("kid", "valid"),
    [
        ("example", True),
        ("k" * 64, True),
        ("2027.rotation_b-1", True),
        ("..", True),  # allowed characters; never used as a path
        ("", False),
        ("k" * 65, False),
        ("a/b", False),
        ("a\\b", False),
        ("a\n", False),
        (None, False),
        (1, False),
        (["example"], False),
    ],
)
def test_is_valid_kid(kid: object, valid: bool) -> None:
    assert is_valid_kid(kid) is valid


def test_json_keyring_naming_a_kid_twice_is_refused(tmp_path: Path) -> None:
    pem = json.dumps(EXAMPLE_PUB)
    path = tmp_path / "keyring.json"
    path.write_text(f'{{"example": {pem}, "example": {pem}}}')

    with pytest.raises(KeyringError, match="duplicate member 'example'"):
        load_keyring(path)


def test_a_single_public_key_file_is_not_mistaken_for_json(tmp_path: Path) -> None:
    path = tmp_path / "example.pub"
    path.write_text(EXAMPLE_PUB)

    with pytest.raises(KeyringError, match="single PEM key, not a keyring"):
        load_keyring(path)
