"""Ed25519 signing keys: generate, load, list and rotate them.

A key directory holds, per key id (kid), ``<kid>.key`` (the private key,
PKCS#8 PEM, mode 0600, optionally encrypted) and ``<kid>.pub`` (the public key,
SubjectPublicKeyInfo PEM), so the directory is also a keyring in the sense of
SPEC 3. Two JSON files may sit beside them:

- ``keyring.json`` (``{"kid": "PEM"}``), updated when it already exists;
- ``keys.json``, this module's own record of when each key was created and
  which key replaced it, because neither PEM file has room for that.

Key material is never printed or logged; only kids, paths and fingerprints.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from verifier import is_example_key, is_valid_kid

from .errors import KeyFileError, OutputExists
from .files import write_atomic

logger = logging.getLogger(__name__)

PASSPHRASE_ENV = "LICENSESMITH_KEY_PASSPHRASE"
KEYRING_FILE = "keyring.json"
METADATA_FILE = "keys.json"

# Any permission bit for group or others makes a private key file insecure.
_SHARED_BITS = stat.S_IRWXG | stat.S_IRWXO
# An Ed25519 PEM is a few hundred bytes; anything far larger is the wrong file.
_MAX_KEY_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class KeyPairFiles:
    """What ``generate_keypair`` wrote."""

    kid: str
    private_path: Path
    public_path: Path
    fingerprint: str
    encrypted: bool
    keyring_path: Path | None  # the keyring.json updated, if there was one


@dataclass(frozen=True)
class SigningKey:
    """A loaded private key, ready for ``signing.sign_claims``."""

    kid: str
    private_key: Ed25519PrivateKey = field(repr=False)
    public_key: Ed25519PublicKey = field(repr=False)
    is_example: bool
    path: Path


@dataclass(frozen=True)
class KeyInfo:
    """One row of ``keys list``."""

    kid: str
    fingerprint: str | None  # None when only an encrypted private key is present
    created: datetime | None  # None for keys made by other tools
    has_private: bool
    is_example: bool = False
    superseded_by: str | None = None
    in_keyring: bool = False  # has an entry in the directory's keyring.json


# -- names and fingerprints -------------------------------------------------


def validate_kid(kid: str) -> str:
    """``kid`` itself, or KeyFileError: SPEC 3 allows 1-64 of A-Z a-z 0-9 . _ -"""
    if not isinstance(kid, str) or not is_valid_kid(kid):
        raise KeyFileError(
            f"key id {kid!r} is not valid: use 1 to 64 characters from "
            "A-Z a-z 0-9 . _ -"
        )
    return kid


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """``SHA256:`` + unpadded base64 of SHA-256 over the 32 raw public bytes.

    Hashing the raw bytes (not a PEM or SSH encoding) makes the value easy to
    recompute with any tool; docs/keys.md shows an openssl one-liner.
    """
    digest = hashlib.sha256(_raw(public_key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


# -- generate and rotate ------------------------------------------------------


def generate_keypair(
    kid: str, out_dir: Path, *, passphrase: bytes | None = None, now: datetime
) -> KeyPairFiles:
    """Write a new pair for ``kid`` into ``out_dir``; refuse a kid already there."""
    validate_kid(kid)
    out_dir = Path(out_dir)
    created = _utc_text(now)
    if passphrase is not None and not passphrase:
        raise KeyFileError("an empty passphrase protects nothing; give a real one")
    _refuse_existing_kid(kid, out_dir)
    # Both files are updated after the keys are written: a broken one must
    # stop us before anything is written, not leave a pair half-registered.
    _read_metadata(out_dir)
    _read_keyring(out_dir / KEYRING_FILE)

    # A new directory holding private keys is for its owner only.
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_key = Ed25519PrivateKey.generate()
    public_key = private_key.public_key()
    private_path = out_dir / f"{kid}.key"
    public_path = out_dir / f"{kid}.pub"

    _write_new(private_path, _private_pem(private_key, passphrase), 0o600)
    public_pem = _public_pem(public_key)
    _write_new(public_path, public_pem, 0o644)

    key_fingerprint = fingerprint(public_key)
    _update_metadata(out_dir, kid, {"created": created, "fingerprint": key_fingerprint})
    keyring_path = _add_to_keyring(out_dir, kid, public_pem)
    logger.info("generated key %s (%s) in %s", kid, key_fingerprint, out_dir)
    return KeyPairFiles(
        kid=kid,
        private_path=private_path,
        public_path=public_path,
        fingerprint=key_fingerprint,
        encrypted=passphrase is not None,
        keyring_path=keyring_path,
    )


def rotate(
    key_dir: Path, new_kid: str, *, now: datetime, passphrase: bytes | None = None
) -> KeyPairFiles:
    """A new pair beside the current ones, which are marked as superseded.

    Nothing is deleted: the old ``.pub`` (and keyring entry) keep verifying the
    licenses already issued until someone retires the old kid by removing it.
    """
    key_dir = Path(key_dir)
    current = [info for info in list_keys(key_dir) if info.has_private]
    if not current:
        raise KeyFileError(
            f"{key_dir} holds no private key to rotate from; create the first one "
            "with `licensesmith keys generate --kid KID --out DIR`"
        )

    pair = generate_keypair(new_kid, key_dir, passphrase=passphrase, now=now)
    for info in current:
        if info.superseded_by is None and not info.is_example:
            _update_metadata(
                key_dir,
                info.kid,
                {"superseded_by": new_kid, "superseded_at": _utc_text(now)},
            )
    return pair


# -- load -----------------------------------------------------------------------


def load_signing_key(
    path: Path,
    *,
    kid: str | None = None,
    passphrase_env: str = PASSPHRASE_ENV,
    prompt: Callable[[], str] | None = None,
    allow_insecure: bool = False,
) -> SigningKey:
    """Load the private key at ``path`` for signing, refusing unsafe files.

    The passphrase of an encrypted key comes from the environment variable
    ``passphrase_env``, else from ``prompt()``; never from an argument, which
    would leave it in shell history and process listings.
    """
    path = Path(path)
    kid = validate_kid(kid if kid is not None else path.stem)
    data, mode = _read_private_file(path)
    # PKCS#8 says "ENCRYPTED PRIVATE KEY"; older PEM says "Proc-Type: 4,ENCRYPTED".
    encrypted = b"ENCRYPTED" in data
    insecure = bool(mode & _SHARED_BITS)

    if encrypted:
        if insecure and not allow_insecure:
            raise _insecure(path, mode)
        passphrase = _passphrase(path, passphrase_env, prompt)
        private_key = _parse_private(path, data, passphrase)
        is_example = is_example_key(private_key.public_key())
    else:
        private_key = _parse_private(path, data, None)
        is_example = is_example_key(private_key.public_key())
        # The example key is published in the repository; no mode protects it.
        if insecure and not is_example and not allow_insecure:
            raise _insecure(path, mode)

    if insecure and not is_example:
        logger.warning(
            "%s is accessible by group or others (mode %s) and was loaded only "
            "because insecure key files were allowed; run `chmod 600 %s`",
            path,
            oct(stat.S_IMODE(mode)),
            path,
        )
    _warn_if_superseded(path, private_key.public_key())
    return SigningKey(
        kid=kid,
        private_key=private_key,
        public_key=private_key.public_key(),
        is_example=is_example,
        path=path,
    )


def _warn_if_superseded(path: Path, public_key: Ed25519PublicKey) -> None:
    """Signing with a rotated-out key still works, but should not go unnoticed."""
    record = _metadata_record(path.parent, path.stem)
    successor = record.get("superseded_by")
    if not isinstance(successor, str) or not successor:
        return
    # keys.json describes the key generated under this name, not a stranger's.
    recorded = record.get("fingerprint")
    if isinstance(recorded, str) and recorded != fingerprint(public_key):
        return

    when = record.get("superseded_at")
    date = f" on {when[:10]}" if isinstance(when, str) else ""
    successor_path = path.parent / f"{successor}.key"
    new_key = str(successor_path) if successor_path.is_file() else successor
    logger.warning(
        "key %s (%s) was superseded by %s%s; new licenses should use the new key, %s",
        path.stem,
        path,
        successor,
        date,
        new_key,
    )


def _metadata_record(key_dir: Path, kid: str) -> dict[str, Any]:
    try:
        record = _read_metadata(key_dir).get(kid)
    except (KeyFileError, OSError):
        # keys.json is informational: a broken one must not stop signing.
        return {}
    return record if isinstance(record, dict) else {}


def _read_private_file(path: Path) -> tuple[bytes, int]:
    try:
        with open(path, "rb") as stream:
            # fstat of the open file, so the mode checked is the file read.
            mode = os.fstat(stream.fileno()).st_mode
            data = stream.read(_MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyFileError(
            f"{path}: no such key file; check the path, or create a key with "
            "`licensesmith keys generate --kid KID --out DIR`"
        ) from None
    except IsADirectoryError:
        raise KeyFileError(
            f"{path} is a directory; give the private key file (<kid>.key)"
        ) from None
    except PermissionError:
        raise KeyFileError(
            f"{path}: permission denied; run as the key's owner"
        ) from None

    if len(data) > _MAX_KEY_FILE_BYTES:
        raise KeyFileError(
            f"{path} is over {_MAX_KEY_FILE_BYTES} bytes, too large to be a key "
            "file; check the path"
        )
    return data, mode


def _passphrase(
    path: Path, passphrase_env: str, prompt: Callable[[], str] | None
) -> bytes:
    value = os.environ.get(passphrase_env)
    if not value and prompt is not None:
        value = prompt()
    if not value:
        raise KeyFileError(
            f"{path} is encrypted; set {passphrase_env} to its passphrase"
        )
    return value.encode("utf-8")


def _parse_private(
    path: Path, data: bytes, passphrase: bytes | None
) -> Ed25519PrivateKey:
    if b"-----BEGIN" not in data:
        raise KeyFileError(
            f"{path} is not a PEM file; expected an Ed25519 private key in PKCS#8 "
            "PEM as written by `licensesmith keys generate`"
        )
    if b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        raise KeyFileError(
            f"{path} holds a public key; signing needs the private key (<kid>.key)"
        )

    try:
        private_key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError:
        # Encrypted in a way the header check above did not recognise.
        raise KeyFileError(
            f"{path} is encrypted; set {PASSPHRASE_ENV} to its passphrase"
        ) from None
    except ValueError as error:
        reason = str(error).lower()
        if passphrase is not None and ("password" in reason or "decrypt" in reason):
            raise KeyFileError(
                f"{path}: the passphrase does not decrypt this key; check "
                f"{PASSPHRASE_ENV} or the passphrase typed"
            ) from None
        raise KeyFileError(
            f"{path} is not a readable PEM private key; expected an Ed25519 key "
            "in PKCS#8 PEM as written by `licensesmith keys generate`"
        ) from None
    except UnsupportedAlgorithm:
        raise KeyFileError(
            f"{path} holds a key type this toolkit does not support; licenses "
            "are signed with Ed25519 only"
        ) from None

    if not isinstance(private_key, Ed25519PrivateKey):
        kind = _kind_of(private_key)
        raise KeyFileError(
            f"{path} holds a {kind} key; licenses are signed with Ed25519 only, "
            "so create one with `licensesmith keys generate`"
        )
    return private_key


def _kind_of(private_key: object) -> str:
    kinds = (
        (rsa.RSAPrivateKey, "RSA"),
        (ec.EllipticCurvePrivateKey, "ECDSA"),
        (ed448.Ed448PrivateKey, "Ed448"),
        (dsa.DSAPrivateKey, "DSA"),
    )
    return next(
        (name for cls, name in kinds if isinstance(private_key, cls)), "non-Ed25519"
    )


def _insecure(path: Path, mode: int) -> KeyFileError:
    return KeyFileError(
        f"{path} is accessible by group or others (mode {oct(stat.S_IMODE(mode))}); "
        f"run `chmod 600 {path}`, or pass --allow-insecure-key-file to accept "
        "the risk"
    )


# -- list -----------------------------------------------------------------------


def list_keys(key_dir: Path) -> list[KeyInfo]:
    """Every kid with a ``.pub``, a ``.key`` or a keyring.json entry, by kid."""
    key_dir = Path(key_dir)
    if not key_dir.is_dir():
        raise KeyFileError(f"{key_dir} is not a directory of keys")

    metadata = _read_metadata(key_dir)
    keyring = _read_keyring(key_dir / KEYRING_FILE)
    kids = {p.stem for p in key_dir.glob("*.pub")} | {
        p.stem for p in key_dir.glob("*.key")
    }
    kids |= set(keyring)
    return [
        _key_info(key_dir, kid, metadata.get(kid, {}), keyring.get(kid))
        for kid in sorted(kids)
    ]


def _key_info(
    key_dir: Path, kid: str, record: dict[str, Any], keyring_pem: str | None
) -> KeyInfo:
    public_key = _public_key_of(key_dir, kid, keyring_pem)
    if public_key is not None:
        key_fingerprint: str | None = fingerprint(public_key)
    else:
        key_fingerprint = record.get("fingerprint")
    created = record.get("created")
    return KeyInfo(
        kid=kid,
        fingerprint=key_fingerprint,
        created=_parse_utc(created) if isinstance(created, str) else None,
        has_private=(key_dir / f"{kid}.key").is_file(),
        is_example=public_key is not None and is_example_key(public_key),
        superseded_by=record.get("superseded_by"),
        in_keyring=keyring_pem is not None,
    )


def _public_key_of(
    key_dir: Path, kid: str, keyring_pem: str | None
) -> Ed25519PublicKey | None:
    public_path = key_dir / f"{kid}.pub"
    if public_path.is_file():
        return _load_public(public_path.read_bytes(), str(public_path))
    if keyring_pem is not None:
        return _load_public(
            keyring_pem.encode("ascii"), f"{key_dir / KEYRING_FILE}[{kid}]"
        )
    return None


def _load_public(data: bytes, where: str) -> Ed25519PublicKey:
    try:
        public_key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise KeyFileError(
            f"{where} is not a PEM public key; expected SubjectPublicKeyInfo PEM"
        ) from None
    if not isinstance(public_key, Ed25519PublicKey):
        raise KeyFileError(f"{where} is not an Ed25519 public key")
    return public_key


# -- the files beside the keys ----------------------------------------------


def _refuse_existing_kid(kid: str, out_dir: Path) -> None:
    taken = [out_dir / f"{kid}.key", out_dir / f"{kid}.pub"]
    found = [str(path) for path in taken if os.path.lexists(path)]
    if kid in _read_keyring(out_dir / KEYRING_FILE):
        found.append(f"{out_dir / KEYRING_FILE}")
    if found:
        raise KeyFileError(
            f"key id {kid!r} already exists ({', '.join(found)}); choose a new kid, "
            "e.g. one with today's date in it"
        )


def _write_new(path: Path, data: bytes, mode: int) -> None:
    try:
        write_atomic(path, data, mode=mode)
    except OutputExists:
        raise KeyFileError(
            f"{path} appeared while generating; nothing replaced it"
        ) from None


def _read_keyring(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    keyring = _read_json_object(path)
    if not all(isinstance(value, str) for value in keyring.values()):
        raise KeyFileError(f'{path} is not a keyring; expected {{"kid": "PEM", ...}}')
    return keyring


def _add_to_keyring(out_dir: Path, kid: str, public_pem: bytes) -> Path | None:
    path = out_dir / KEYRING_FILE
    if not path.exists():
        return None
    keyring = _read_keyring(path)
    keyring[kid] = public_pem.decode("ascii")
    write_atomic(path, _json_bytes(keyring), overwrite=True)
    return path


def _read_metadata(key_dir: Path) -> dict[str, dict[str, Any]]:
    path = key_dir / METADATA_FILE
    if not path.exists():
        return {}
    keys = _read_json_object(path).get("keys", {})
    if not isinstance(keys, dict):
        raise KeyFileError(f'{path}: "keys" must be an object of kid -> details')
    return keys


def _update_metadata(key_dir: Path, kid: str, changes: dict[str, str]) -> None:
    keys = _read_metadata(key_dir)
    keys.setdefault(kid, {}).update(changes)
    write_atomic(key_dir / METADATA_FILE, _json_bytes({"keys": keys}), overwrite=True)


def _read_json_object(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise KeyFileError(
            f"{path} is not valid JSON ({error}); fix or remove it"
        ) from None
    if not isinstance(value, dict):
        raise KeyFileError(
            f"{path} must hold a JSON object, found {type(value).__name__}"
        )
    return value


def _json_bytes(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8")


# -- encodings ------------------------------------------------------------------


def _private_pem(private_key: Ed25519PrivateKey, passphrase: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase is not None
        else serialization.NoEncryption()
    )
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("now must be an aware datetime (UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_utc(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
