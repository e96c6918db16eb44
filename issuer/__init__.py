"""licensesmith's issuer: templates and orders in, signed and recorded licenses out.

The Python API, for engineers who need fresh licenses in a test suite::

    from datetime import UTC, datetime
    from issuer import compile_order, load_signing_key, sign_and_check

    now = datetime(2027, 1, 1, tzinfo=UTC)
    compiled = compile_order(None, "examples/acme-premium.yaml", now=now)
    key = load_signing_key("keys.example/example.key")
    signed = sign_and_check(compiled, key, now)  # verified round trip
    print(signed.token)

The issuer depends on the verifier, never the reverse. The names below are
imported on first use, so ``licensesmith --help`` does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import CompileError, IssuerError, Problem

_LAZY = {
    "compile_order": "compiler",
    "compile_orders": "compiler",
    "Compiled": "compiler",
    "load_signing_key": "keys",
    "SigningKey": "keys",
    "sign_claims": "signing",
    "sign_and_check": "issuing",
    "Signed": "issuing",
    "Ledger": "ledger",
}

__all__ = ["CompileError", "IssuerError", "Problem", *_LAZY]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'issuer' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
