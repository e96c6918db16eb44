"""Regenerate the two license files of the preview demo (see README.md).

Run from anywhere: ``python examples/preview/make.py``. Ed25519 signatures are
deterministic, so the files come out byte for byte the same each time.

Both licenses are signed with the throw-away example key: they are for this
demo only, and every command that reads them says so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

HERE = Path(__file__).resolve().parent
EXAMPLE_KEY = HERE.parents[1] / "keys.example" / "example.key"


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def premium_license(
    jti: str, issued: str, start: str, end: str, grace_end: str, soft: int, hard: int
) -> dict[str, Any]:
    """Acme's premium license: 150 seats and a managed-agent soft/hard pair."""
    return {
        "iat": at(issued),
        "nbf": at(start),
        "license_expires": at(end),
        "exp": at(grace_end),
        "jti": jti,
        "account_type": "salesforce",
        "account_id": "0015e00000ACME01",
        "trial": False,
        "feature_set": "premium",
        "version": 3,
        "features": {
            "user_limit": 150,
            "managed_agent_limit_soft": soft,
            "managed_agent_limit_hard": hard,
        },
    }


# This year's term, and next year's renewal: issued later, with lower limits.
CURRENT = premium_license(
    "5b0f7c1e-2d4a-4c39-9e51-6a8d2f0b7c11",
    "2026-01-10T00:00:00",
    "2026-01-15T00:00:00",
    "2027-01-15T00:00:00",
    "2027-02-14T00:00:00",
    soft=800,
    hard=1000,
)
RENEWAL = premium_license(
    "c3e9a4d2-7f18-4b6e-8a05-1d2c3b4a5e22",
    "2026-12-01T00:00:00",
    "2027-01-15T00:00:00",
    "2028-01-15T00:00:00",
    "2028-02-14T00:00:00",
    soft=400,
    hard=500,
)


def main() -> None:
    key = load_pem_private_key(EXAMPLE_KEY.read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey), "the example key is Ed25519"
    for name, claims in (("current.jwt", CURRENT), ("renewal.jwt", RENEWAL)):
        token = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "example"})
        (HERE / name).write_text(token + "\n")
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
