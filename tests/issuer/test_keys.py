"""issuer.keys: generating, loading, listing and rotating Ed25519 keys."""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from issuer.errors import KeyFileError
from issuer.keys import (
    PASSPHRASE_ENV,
    fingerprint,
    generate_keypair,
    list_keys,
    load_signing_key,
    rotate,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_KEY = REPO / "keys.example" / "example.key"
EXAMPLE_PUB = REPO / "keys.example" / "example.pub"
# Computed independently with:
# openssl pkey -pubin -in keys.example/example.pub -outform DER | tail -c 32 \
#   | openssl dgst -sha256 -binary | openssl base64 -A | tr -d =
EXAMPLE_FINGERPRINT = "SHA256:eQO7PhHbnr5HGsZeJEQnRP5MyR4KGGHQ7jTOCXEkA1g"
NOW = datetime(2027, 1, 15, 9, 30, tzinfo=UTC)
LATER = datetime(2028, 1, 15, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_passphrase_in_environment(monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def copy_with_mode(source: Path, target: Path, mode: int) -> Path:
    shutil.copyfile(source, target)
    os.chmod(target, mode)
    return target


def write_private(path: Path, private_key, mode: int = 0o600) -> Path:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    os.chmod(path, mode)
    return path


# -- generate -----------------------------------------------------------------


def test_generate_writes_a_private_0600_and_a_public_pem(tmp_path):
    pair = generate_keypair("prod-2027", tmp_path / "keys", now=NOW)

    assert pair.private_path == tmp_path / "keys" / "prod-2027.key"
    assert mode_of(pair.private_path) == 0o600
    assert mode_of(pair.public_path) == 0o644
    assert pair.private_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    public_key = serialization.load_pem_public_key(pair.public_path.read_bytes())
    assert isinstance(public_key, Ed25519PublicKey)
    assert pair.fingerprint == fingerprint(public_key)
    assert not pair.encrypted


def test_a_new_key_directory_is_owner_only(tmp_path):
    generate_keypair("k1", tmp_path / "keys", now=NOW)

    assert mode_of(tmp_path / "keys") == 0o700


def test_private_key_is_created_0600_not_chmodded_later(tmp_path, monkeypatch):
    """Every file the key is written to is opened with mode 0600 already."""
    from issuer import files

    modes = []
    real_open = os.open

    def recording_open(path, flags, mode=0o777, **kwargs):
        if str(path).endswith(".tmp") and ".k1.key." in str(path):
            modes.append(mode)
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(files.os, "open", recording_open)

    generate_keypair("k1", tmp_path, now=NOW)

    assert modes == [0o600]


def test_generate_records_the_creation_time(tmp_path):
    generate_keypair("k1", tmp_path, now=NOW)

    metadata = json.loads((tmp_path / "keys.json").read_text())
    assert metadata["keys"]["k1"]["created"] == "2027-01-15T09:30:00Z"


def test_generate_refuses_an_existing_kid(tmp_path):
    generate_keypair("k1", tmp_path, now=NOW)
    before = (tmp_path / "k1.key").read_bytes()

    with pytest.raises(KeyFileError, match="key id 'k1' already exists"):
        generate_keypair("k1", tmp_path, now=LATER)

    assert (tmp_path / "k1.key").read_bytes() == before


@pytest.mark.parametrize("kid", ["", "a" * 65, "has space", "a/b", "../up", "é"])
def test_generate_refuses_an_invalid_kid(tmp_path, kid):
    with pytest.raises(KeyFileError, match="is not valid"):
        generate_keypair(kid, tmp_path, now=NOW)

    assert os.listdir(tmp_path) == []


def test_generate_adds_to_an_existing_keyring_json(tmp_path):
    shutil.copyfile(REPO / "keys.example" / "keyring.json", tmp_path / "keyring.json")

    pair = generate_keypair("k1", tmp_path, now=NOW)

    keyring = json.loads((tmp_path / "keyring.json").read_text())
    assert sorted(keyring) == ["example", "k1"]
    assert keyring["k1"] == pair.public_path.read_text()
    assert pair.keyring_path == tmp_path / "keyring.json"


def test_generate_creates_no_keyring_json(tmp_path):
    pair = generate_keypair("k1", tmp_path, now=NOW)

    assert pair.keyring_path is None
    assert not (tmp_path / "keyring.json").exists()


def test_generate_refuses_a_kid_already_in_keyring_json(tmp_path):
    shutil.copyfile(REPO / "keys.example" / "keyring.json", tmp_path / "keyring.json")

    with pytest.raises(KeyFileError, match="already exists"):
        generate_keypair("example", tmp_path, now=NOW)


def test_generate_requires_an_aware_now(tmp_path):
    with pytest.raises(ValueError):
        generate_keypair("k1", tmp_path, now=datetime(2027, 1, 1))


# -- encrypted keys -------------------------------------------------------------


def test_encrypted_round_trip_with_the_environment_variable(tmp_path, monkeypatch):
    pair = generate_keypair("k1", tmp_path, passphrase=b"correct horse", now=NOW)
    assert pair.encrypted
    assert b"ENCRYPTED PRIVATE KEY" in pair.private_path.read_bytes()

    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse")
    key = load_signing_key(pair.private_path)

    assert fingerprint(key.public_key) == pair.fingerprint
    assert key.kid == "k1"
    assert not key.is_example


def test_encrypted_key_uses_the_prompt_when_the_variable_is_unset(tmp_path):
    pair = generate_keypair("k1", tmp_path, passphrase=b"pw", now=NOW)

    key = load_signing_key(pair.private_path, prompt=lambda: "pw")

    assert fingerprint(key.public_key) == pair.fingerprint


def test_encrypted_key_without_a_passphrase_says_which_variable(tmp_path):
    pair = generate_keypair("k1", tmp_path, passphrase=b"pw", now=NOW)

    with pytest.raises(KeyFileError) as caught:
        load_signing_key(pair.private_path)

    assert str(caught.value) == (
        f"{pair.private_path} is encrypted; set {PASSPHRASE_ENV} to its passphrase"
    )


def test_wrong_passphrase(tmp_path, monkeypatch):
    pair = generate_keypair("k1", tmp_path, passphrase=b"right", now=NOW)
    monkeypatch.setenv(PASSPHRASE_ENV, "Tr0ub4dor&3")

    with pytest.raises(KeyFileError) as caught:
        load_signing_key(pair.private_path)

    message = str(caught.value)
    assert "the passphrase does not decrypt this key" in message
    assert "\n" not in message
    assert "Tr0ub4dor" not in message


def test_empty_passphrase_is_refused(tmp_path):
    with pytest.raises(KeyFileError, match="empty passphrase"):
        generate_keypair("k1", tmp_path, passphrase=b"", now=NOW)

    assert os.listdir(tmp_path) == []


# -- load -----------------------------------------------------------------------


def test_load_takes_the_kid_from_the_file_name(tmp_path):
    pair = generate_keypair("prod-2027", tmp_path, now=NOW)

    key = load_signing_key(pair.private_path)

    assert key.kid == "prod-2027"
    assert key.path == pair.private_path
    assert fingerprint(key.public_key) == pair.fingerprint


def test_load_accepts_an_explicit_kid(tmp_path):
    pair = generate_keypair("k1", tmp_path, now=NOW)

    assert load_signing_key(pair.private_path, kid="other").kid == "other"


def test_load_refuses_a_file_name_that_is_not_a_kid(tmp_path):
    path = write_private(tmp_path / "my key.key", _ed25519())

    with pytest.raises(KeyFileError, match="'my key' is not valid"):
        load_signing_key(path)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o700 | 0o007])
def test_load_refuses_a_key_file_others_can_access(tmp_path, mode):
    path = write_private(tmp_path / "k1.key", _ed25519(), mode=mode)

    with pytest.raises(KeyFileError) as caught:
        load_signing_key(path)

    assert str(caught.value) == (
        f"{path} is accessible by group or others (mode {oct(mode)}); run "
        f"`chmod 600 {path}`, or pass --allow-insecure-key-file to accept the risk"
    )


def test_load_refuses_an_insecure_encrypted_key_before_asking(tmp_path):
    pair = generate_keypair("k1", tmp_path, passphrase=b"pw", now=NOW)
    os.chmod(pair.private_path, 0o644)

    def prompt():
        raise AssertionError("must not ask for a passphrase")

    with pytest.raises(KeyFileError, match="chmod 600"):
        load_signing_key(pair.private_path, prompt=prompt)


def test_allow_insecure_loads_with_one_warning(tmp_path, caplog):
    path = write_private(tmp_path / "k1.key", _ed25519(), mode=0o644)

    with caplog.at_level(logging.WARNING, logger="issuer.keys"):
        key = load_signing_key(path, allow_insecure=True)

    assert key.kid == "k1"
    assert [record.getMessage() for record in caplog.records] == [
        f"{path} is accessible by group or others (mode 0o644) and was loaded only "
        f"because insecure key files were allowed; run `chmod 600 {path}`"
    ]


def test_loading_a_superseded_key_warns_and_names_the_new_one(tmp_path, caplog):
    old = generate_keypair("k1", tmp_path, now=NOW)
    new = rotate(tmp_path, "k2", now=LATER)

    with caplog.at_level(logging.WARNING, logger="issuer.keys"):
        key = load_signing_key(old.private_path)

    assert key.kid == "k1"
    [record] = caplog.records
    assert record.name == "issuer.keys"
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"key k1 ({old.private_path}) was superseded by k2 on 2028-01-15; new "
        f"licenses should use the new key, {new.private_path}"
    )


def test_loading_the_current_key_does_not_warn(tmp_path, caplog):
    generate_keypair("k1", tmp_path, now=NOW)
    new = rotate(tmp_path, "k2", now=LATER)

    with caplog.at_level(logging.DEBUG, logger="issuer.keys"):
        load_signing_key(new.private_path)

    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_different_key_under_a_superseded_name_does_not_warn(tmp_path, caplog):
    generate_keypair("k1", tmp_path, now=NOW)
    rotate(tmp_path, "k2", now=LATER)
    # keys.json describes the k1 generated here, not this stranger.
    write_private(tmp_path / "k1.key", _ed25519())

    with caplog.at_level(logging.WARNING, logger="issuer.keys"):
        load_signing_key(tmp_path / "k1.key")

    assert caplog.records == []


def test_a_broken_keys_json_does_not_stop_signing(tmp_path, caplog):
    old = generate_keypair("k1", tmp_path, now=NOW)
    (tmp_path / "keys.json").write_text("{not json")

    with caplog.at_level(logging.WARNING, logger="issuer.keys"):
        key = load_signing_key(old.private_path)

    assert key.kid == "k1"
    assert caplog.records == []


def test_the_example_key_loads_whatever_its_mode(tmp_path):
    path = copy_with_mode(EXAMPLE_KEY, tmp_path / "example.key", 0o644)

    key = load_signing_key(path)

    assert key.is_example
    assert key.kid == "example"
    assert fingerprint(key.public_key) == EXAMPLE_FINGERPRINT


def test_an_ordinary_key_is_not_the_example(tmp_path):
    pair = generate_keypair("k1", tmp_path, now=NOW)

    assert not load_signing_key(pair.private_path).is_example


def test_missing_key_file(tmp_path):
    with pytest.raises(KeyFileError, match="no such key file"):
        load_signing_key(tmp_path / "absent.key")


def test_directory_instead_of_a_key(tmp_path):
    (tmp_path / "k1.key").mkdir()

    with pytest.raises(KeyFileError, match="is a directory"):
        load_signing_key(tmp_path / "k1.key")


def test_not_pem(tmp_path):
    path = tmp_path / "k1.key"
    path.write_bytes(b"\x00\x01 not a key")
    os.chmod(path, 0o600)

    with pytest.raises(KeyFileError, match="is not a PEM file"):
        load_signing_key(path)


def test_a_huge_file_is_not_read_whole(tmp_path):
    path = tmp_path / "k1.key"
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\n" + b"A" * 100_000)
    os.chmod(path, 0o600)

    with pytest.raises(KeyFileError, match="too large to be a key file"):
        load_signing_key(path)


def test_damaged_pem(tmp_path):
    path = tmp_path / "k1.key"
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    os.chmod(path, 0o600)

    with pytest.raises(KeyFileError, match="is not a readable PEM private key"):
        load_signing_key(path)


def test_a_public_key_given_as_the_signing_key(tmp_path):
    path = copy_with_mode(EXAMPLE_PUB, tmp_path / "example.key", 0o600)

    with pytest.raises(KeyFileError, match="holds a public key"):
        load_signing_key(path)


@pytest.mark.parametrize(
    ("private_key", "kind"),
    [
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RSA"),
        (ec.generate_private_key(ec.SECP256R1()), "ECDSA"),
        (ed448.Ed448PrivateKey.generate(), "Ed448"),
    ],
)
def test_a_key_that_is_not_ed25519(tmp_path, private_key, kind):
    path = write_private(tmp_path / "k1.key", private_key)

    with pytest.raises(KeyFileError) as caught:
        load_signing_key(path)

    assert f"holds a {kind} key; licenses are signed with Ed25519 only" in str(
        caught.value
    )


def test_repr_shows_no_key_material(tmp_path):
    pair = generate_keypair("k1", tmp_path, now=NOW)
    key = load_signing_key(pair.private_path)

    text = repr(key)

    assert "private_key" not in text
    assert "k1" in text


# -- fingerprint, list, rotate ---------------------------------------------------


def test_fingerprint_of_the_example_key():
    public_key = serialization.load_pem_public_key(EXAMPLE_PUB.read_bytes())

    assert fingerprint(public_key) == EXAMPLE_FINGERPRINT


def test_list_keys_shows_created_and_private_presence(tmp_path):
    first = generate_keypair("k1", tmp_path, now=NOW)
    generate_keypair("k2", tmp_path, now=LATER)
    (tmp_path / "k2.key").unlink()

    infos = list_keys(tmp_path)

    assert [(i.kid, i.created, i.has_private) for i in infos] == [
        ("k1", NOW, True),
        ("k2", LATER, False),
    ]
    assert infos[0].fingerprint == first.fingerprint


def test_list_keys_of_the_example_directory():
    [info] = list_keys(REPO / "keys.example")

    assert info.kid == "example"
    assert info.is_example
    assert info.fingerprint == EXAMPLE_FINGERPRINT
    assert info.created is None


def test_list_keys_includes_keyring_json_entries(tmp_path):
    shutil.copyfile(REPO / "keys.example" / "keyring.json", tmp_path / "keyring.json")

    [info] = list_keys(tmp_path)

    assert (info.kid, info.has_private, info.is_example) == ("example", False, True)


def test_list_keys_names_a_broken_public_key(tmp_path):
    (tmp_path / "k1.pub").write_text("garbage")

    with pytest.raises(KeyFileError, match="k1.pub is not a PEM public key"):
        list_keys(tmp_path)


def test_rotate_keeps_the_old_public_key_and_marks_it_superseded(tmp_path):
    old = generate_keypair("k1", tmp_path, now=NOW)
    old_public = old.public_path.read_bytes()

    new = rotate(tmp_path, "k2", now=LATER)

    assert old.public_path.read_bytes() == old_public
    assert mode_of(new.private_path) == 0o600
    by_kid = {info.kid: info for info in list_keys(tmp_path)}
    assert by_kid["k1"].superseded_by == "k2"
    assert by_kid["k2"].superseded_by is None
    assert by_kid["k2"].created == LATER


@pytest.mark.parametrize("with_keyring", [False, True])
def test_list_keys_says_whether_keyring_json_holds_the_kid(tmp_path, with_keyring):
    if with_keyring:
        (tmp_path / "keyring.json").write_text("{}")
    generate_keypair("k1", tmp_path, now=NOW)

    [info] = list_keys(tmp_path)

    assert info.in_keyring is with_keyring


def test_rotate_needs_a_current_key(tmp_path):
    with pytest.raises(KeyFileError, match="holds no private key to rotate from"):
        rotate(tmp_path, "k2", now=NOW)


def test_rotate_refuses_an_existing_kid(tmp_path):
    generate_keypair("k1", tmp_path, now=NOW)

    with pytest.raises(KeyFileError, match="already exists"):
        rotate(tmp_path, "k1", now=LATER)


def _ed25519():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()
