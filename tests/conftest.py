"""Fixtures shared by every test package: the example key and a pinned clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_KEY = ROOT / "keys.example" / "example.key"
EXAMPLE_KEYRING = ROOT / "keys.example" / "keyring.json"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
DAY = 86400


@pytest.fixture(autouse=True)
def _private_ledger(tmp_path_factory: pytest.TempPathFactory, monkeypatch: Any) -> None:
    """No test ever writes to the real per-user ledger."""
    ledger = tmp_path_factory.mktemp("ledger") / "ledger.sqlite3"
    monkeypatch.setenv("LICENSESMITH_LEDGER", str(ledger))


def example_claims(now: datetime = NOW, **overrides: Any) -> dict[str, Any]:
    """A valid premium license around ``now``: started 10 days ago, a year long."""
    moment = int(now.timestamp())
    claims: dict[str, Any] = {
        "iat": moment - 10 * DAY,
        "nbf": moment - 10 * DAY,
        "license_expires": moment + 355 * DAY,
        "exp": moment + 385 * DAY,
        "jti": "00000000-0000-4000-8000-00000000abcd",
        "account_type": "salesforce",
        "account_id": "acct-test",
        "trial": False,
        "feature_set": "premium",
        "version": 3,
        "features": {
            "user_limit": 150,
            "managed_agent_limit_soft": 100,
            "managed_agent_limit_hard": 200,
        },
    }
    claims.update(overrides)
    return claims


def sign_example(claims: dict[str, Any], kid: str = "example") -> str:
    key = load_pem_private_key(EXAMPLE_KEY.read_bytes(), password=None)
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})  # type: ignore[arg-type]
