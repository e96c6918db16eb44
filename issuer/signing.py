"""Claims to a compact JWS, signed with Ed25519 (SPEC 2)."""

from __future__ import annotations

import json
from typing import Any

import jwt

from .keys import SigningKey


class _CanonicalJSON(json.JSONEncoder):
    """Sorted keys and no NaN or Infinity.

    Ed25519 signatures are deterministic, so sorting the claims makes the whole
    token a function of the claims' content and the key, whatever order the
    compiler built the dict in. NaN is not JSON; refusing it keeps every
    token readable by strict parsers.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs["sort_keys"] = True
        kwargs["allow_nan"] = False
        super().__init__(**kwargs)


def sign_claims(claims: dict[str, Any], key: SigningKey) -> str:
    """The license token: header exactly ``alg``, ``kid`` and ``typ``."""
    return jwt.encode(
        claims,
        key.private_key,
        algorithm="EdDSA",
        headers={"kid": key.kid, "typ": "JWT"},
        json_encoder=_CanonicalJSON,
    )
