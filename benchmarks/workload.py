"""The inputs every benchmark shares: a clock, a fresh key, orders, licenses.

Everything is written under a temporary folder the caller owns, and the
ledger variable points there too, so a benchmark never reads or writes the
user's own keys, ledger or licenses. The key is generated per run rather
than taken from ``keys.example/``: the example key is announced loudly by
every command that touches it, and that noise is not what is measured.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
KID = "bench"
#: Every benchmark runs at this pinned instant (the date of the README run).
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
DAY = 86400


def isolate_ledger(workdir: Path) -> Path:
    """Point ``LICENSESMITH_LEDGER`` into ``workdir`` for this process and its
    children, so nothing can fall back to the per-user ledger."""
    path = workdir / "ledger-from-environment.sqlite3"
    os.environ["LICENSESMITH_LEDGER"] = str(path)
    return path


def new_signing_key(workdir: Path) -> Any:
    """A fresh Ed25519 pair in ``workdir/keys``, loaded for signing."""
    from issuer.keys import generate_keypair, load_signing_key

    pair = generate_keypair(KID, workdir / "keys", now=NOW)
    return load_signing_key(pair.private_path)


def write_keyring(key: Any, path: Path) -> Path:
    """A JSON keyring trusting ``key``'s public half, as the CLI reads it."""
    from cryptography.hazmat.primitives import serialization

    pem = key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path.write_text(json.dumps({key.kid: pem.decode("ascii")}))
    return path


def write_orders(folder: Path, count: int) -> list[Path]:
    """``count`` order files for the premium template, no two alike.

    Half start at ``NOW`` (the default), half on a later date, so both the
    valid-now and the not-yet-valid round trips are exercised; a third state
    their own managed-agent pair, the rest take the per-seat default.
    """
    folder.mkdir(parents=True, exist_ok=True)
    width = len(str(count))
    paths = []
    for number, text in enumerate(_order_texts(count)):
        path = folder / f"order-{number:0{width}d}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _order_texts(count: int) -> Iterator[str]:
    for number in range(count):
        lines = [
            "template: premium",
            f"account_id: 0015g{number:08d}Bench",
            f"deployment_ids: [dep-{number}-prod, dep-{number}-staging]",
            f"seats: {10 + number % 990}",
        ]
        if number % 2:
            start = (NOW + timedelta(days=1 + number % 60)).date().isoformat()
            lines.append(f"start: {start}T00:00:00Z")
        if number % 3 == 0:
            lines += [f"agents_soft: {100 + number % 50}", "agents_hard: 400"]
        yield "\n".join(lines) + "\n"


def merge_claims(count: int) -> list[dict[str, Any]]:
    """``count`` licenses valid at ``NOW`` with distinct ``iat``s.

    A mix of what customers hold: premium, enterprise, legacy all-features
    and feature-set-less licenses; user limits; explicit agent pairs; boolean
    features given one by one; a feature this verifier does not know; some
    licenses in their grace period.
    """
    now = int(NOW.timestamp())
    return [_claims(number, now) for number in range(count)]


_SETS = ("premium", "enterprise", "", "Premium")
_BOOLEANS = ("audit_log", "scim", "custom_roles", "workspace_proxy")


def _claims(number: int, now: int) -> dict[str, Any]:
    iat = now - 400 * DAY + number * 7
    expires = now + (30 + number % 300) * DAY
    if number % 11 == 0:
        expires = now - 5 * DAY  # in grace until exp
    features: dict[str, int] = {"user_limit": 10 + number % 500}
    if number % 3 == 0:
        features["managed_agent_limit_soft"] = 100 + number % 100
        features["managed_agent_limit_hard"] = 400
    if number % 5 == 0:
        features[_BOOLEANS[number % len(_BOOLEANS)]] = 1
    if number % 7 == 0:
        features["feature_from_the_future"] = 3
    claims: dict[str, Any] = {
        "iat": iat,
        "nbf": iat,
        "license_expires": expires,
        "exp": expires + 30 * DAY,
        "jti": f"00000000-0000-4000-8000-{number:012d}",
        "account_type": "salesforce",
        "account_id": "0015g00000MergeBench",
        "trial": False,
        "feature_set": _SETS[number % len(_SETS)],
        "version": 3,
        "features": features,
    }
    if number % 13 == 0:
        claims["feature_set"] = ""
        claims["all_features"] = True
    return claims
