"""Trusted public keys, by ``kid``.

A keyring is a JSON object ``{"kid": "PEM"}`` or a directory of ``<kid>.pub``
files. Several keys may be trusted at once; a key is retired by removing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from ._errors import KeyringError
from ._json import reject_duplicates

KID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")


def is_valid_kid(kid: object) -> bool:
    return isinstance(kid, str) and KID_PATTERN.fullmatch(kid) is not None


def public_key_from_pem(pem: bytes, source: str) -> Ed25519PublicKey:
    """Parse one SubjectPublicKeyInfo PEM, refusing every non-Ed25519 key."""
    try:
        key = load_pem_public_key(pem)
    except ValueError:
        raise KeyringError(f"{source}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyringError(f"{source}: not an Ed25519 public key")
    return key


def raw_public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@lru_cache(maxsize=1)
def example_public_key() -> Ed25519PublicKey:
    """The throw-away example key, which must never ship quietly."""
    pem = resources.files(__package__).joinpath("example_key.pub").read_bytes()
    return public_key_from_pem(pem, "example_key.pub")


def example_public_bytes() -> bytes:
    return raw_public_bytes(example_public_key())


def is_example_key(key: Ed25519PublicKey) -> bool:
    return raw_public_bytes(key) == example_public_bytes()


class Keyring(Mapping[str, Ed25519PublicKey]):
    """An immutable mapping of ``kid`` to Ed25519 public key."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey], source: str = "") -> None:
        for kid in keys:
            if not is_valid_kid(kid):
                raise KeyringError(
                    f"{source or 'keyring'}: kid {kid!r} must be 1-64 characters "
                    "of A-Z a-z 0-9 . _ -"
                )
        self._keys = dict(keys)
        self.source = source

    def __getitem__(self, kid: str) -> Ed25519PublicKey:
        return self._keys[kid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def from_pems(cls, pems: Mapping[str, str | bytes], source: str = "") -> Keyring:
        keys = {}
        for kid, pem in pems.items():
            data = pem.encode() if isinstance(pem, str) else pem
            keys[kid] = public_key_from_pem(data, f"{source or 'keyring'}: {kid}")
        return cls(keys, source)


#: A keyring holds a handful of keys of about 110 bytes each.
MAX_KEYRING_BYTES = 1024 * 1024


def _read_small(path: Path) -> bytes:
    """At most MAX_KEYRING_BYTES: a device or a huge file is refused, not read."""
    with open(path, "rb") as stream:
        data = stream.read(MAX_KEYRING_BYTES + 1)
    if len(data) > MAX_KEYRING_BYTES:
        raise KeyringError(
            f"keyring {path}: over {MAX_KEYRING_BYTES:,} bytes; check the path"
        )
    return data


def _load_json(path: Path) -> Keyring:
    raw = _read_small(path)
    if raw.lstrip().startswith(b"-----BEGIN"):
        raise KeyringError(
            f"keyring {path}: this is a single PEM key, not a keyring; give the "
            "folder that holds <kid>.pub files, or a JSON file {kid: PEM}"
        )
    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=reject_duplicates)
    except (UnicodeDecodeError, ValueError) as error:
        raise KeyringError(f"keyring {path}: not valid JSON ({error})") from None
    if not isinstance(data, dict) or not all(
        isinstance(pem, str) for pem in data.values()
    ):
        raise KeyringError(f'keyring {path}: expected a JSON object {{"kid": "PEM"}}')
    return Keyring.from_pems(data, source=str(path))


def _load_directory(path: Path) -> Keyring:
    pems = {entry.stem: _read_small(entry) for entry in sorted(path.glob("*.pub"))}
    if not pems:
        raise KeyringError(f"keyring {path}: no <kid>.pub files in this directory")
    return Keyring.from_pems(pems, source=str(path))


def load_keyring(path: str | Path) -> Keyring:
    """Read a keyring from a JSON file or a directory of ``<kid>.pub`` files."""
    path = Path(path)
    try:
        if path.is_dir():
            return _load_directory(path)
        return _load_json(path)
    except OSError as error:
        raise KeyringError(f"keyring {path}: {error.strerror or error}") from None
