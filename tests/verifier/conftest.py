"""Fixtures shared by the verifier's tests: the example keyring and token signing.

Tokens are signed here with pyjwt and the committed example key, so a test can
describe a license by its claims and get a real, verifiable token back.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tests.conftest import EXAMPLE_KEY, EXAMPLE_KEYRING
from verifier import Keyring, load_keyring

EXAMPLE_KID = "example"

#: How a test may ask for a token to be signed, and what the keyring makes of it.
SIGNING_MODES = ("example", "foreign", "unknown_kid", "tampered")

Signer = Callable[..., str]


@functools.cache
def _example_private_key() -> Ed25519PrivateKey:
    key = load_pem_private_key(EXAMPLE_KEY.read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


# A fixed key that no keyring trusts: its signatures never verify.
_FOREIGN_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def _encode(claims: dict[str, Any], key: Ed25519PrivateKey, kid: str) -> str:
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


def _swap_payload(token: str, claims: dict[str, Any]) -> str:
    header, _, signature = token.split(".")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    return f"{header}.{payload.decode()}.{signature}"


def sign_claims(claims: dict[str, Any], how: str = "example") -> str:
    """A compact token for ``claims``, signed as ``how`` says.

    ``example``: the example key, kid ``example`` (valid);
    ``foreign``: another key under kid ``example`` (the signature fails);
    ``unknown_kid``: the example key under a kid the keyring lacks;
    ``tampered``: signed with the example key, then a claim changed.
    """
    if how == "example":
        return _encode(claims, _example_private_key(), EXAMPLE_KID)
    if how == "foreign":
        return _encode(claims, _FOREIGN_KEY, EXAMPLE_KID)
    if how == "unknown_kid":
        return _encode(claims, _example_private_key(), "retired-2019")
    if how == "tampered":
        token = _encode(claims, _example_private_key(), EXAMPLE_KID)
        return _swap_payload(token, {**claims, "account_id": "someone-else"})
    raise ValueError(f"unknown signing mode {how!r}; choose from {SIGNING_MODES}")


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    """Trusts exactly the example key, under kid ``example``."""
    return load_keyring(EXAMPLE_KEYRING)


@pytest.fixture(scope="session")
def sign() -> Signer:
    return sign_claims
