"""merge_verified and judge_again: the merge without a second signature check.

The issuer's round trip verifies a token, then merges the license it got
back. These tests hold the shortcut to the token path: the same claim
checks at the merge's ``now``, the same rules, the same entitlements.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_KEYRING
from tests.verifier.make_hostile import DAY, NOW, claims, jws
from verifier import (
    Expired,
    IssuedInFuture,
    Keyring,
    License,
    LicenseError,
    NotYetValid,
    compute_entitlements,
    entitlements_to_json,
    load_keyring,
    verify_license,
)
from verifier._merge import merge_verified
from verifier._token import judge_again

VECTORS = sorted((Path(__file__).parent / "vectors").glob("*.json"))
AT_NOW = datetime.fromtimestamp(NOW, UTC)


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _verified(token: str, keyring: Keyring, now: datetime) -> License | None:
    """The license as the round trip reads it back, or None if it is invalid."""
    try:
        return verify_license(token, keyring, now)
    except NotYetValid as pending:
        return pending.license if isinstance(pending.license, License) else None
    except LicenseError:
        return None


@pytest.mark.parametrize("path", VECTORS, ids=lambda path: path.stem)
def test_vectors_merge_alike_from_tokens_and_from_licenses(path: Path) -> None:
    vector = json.loads(path.read_text())
    now = datetime.fromisoformat(vector["now"].replace("Z", "+00:00"))
    keyring = Keyring.from_pems(vector["keyring"])
    pairs = [(str(n), token) for n, token in enumerate(vector["licenses"], 1)]
    licenses = [(name, _verified(token, keyring, now)) for name, token in pairs]
    valid = [(name, lic) for name, lic in licenses if lic is not None]
    tokens = [
        pair for pair, (_, lic) in zip(pairs, licenses, strict=True) if lic is not None
    ]

    from_tokens = compute_entitlements(tokens, now=now, keyring=keyring)
    from_licenses = merge_verified(valid, now=now)

    assert entitlements_to_json(from_licenses) == entitlements_to_json(from_tokens)


def test_a_renewal_is_judged_on_its_first_day() -> None:
    keyring = load_keyring(EXAMPLE_KEYRING)
    start = NOW + 30 * DAY
    token = jws(payload=claims(iat=NOW, nbf=start))
    license = _verified(token, keyring, AT_NOW)
    assert license is not None

    from_license = merge_verified([("1", license)], now=_at(start))
    from_token = compute_entitlements([token], now=_at(start), keyring=keyring)

    assert not from_license.errors
    assert entitlements_to_json(from_license) == entitlements_to_json(from_token)


def test_a_license_over_at_the_merges_now_is_refused_as_by_tokens() -> None:
    keyring = load_keyring(EXAMPLE_KEYRING)
    token = jws()
    license = verify_license(token, keyring, AT_NOW)
    later = _at(NOW + 400 * DAY)

    from_license = merge_verified([("1", license)], now=later)
    from_token = compute_entitlements([token], now=later, keyring=keyring)

    assert from_license.errors
    assert from_license.errors == from_token.errors
    assert [r.status for r in from_license.licenses] == ["invalid"]


def test_judge_again_checks_the_claims_at_the_new_moment() -> None:
    keyring = load_keyring(EXAMPLE_KEYRING)
    license = verify_license(jws(), keyring, AT_NOW)

    assert judge_again(license, AT_NOW) == license
    with pytest.raises(Expired):
        judge_again(license, _at(NOW + 400 * DAY))
    with pytest.raises(NotYetValid):
        judge_again(license, _at(NOW - 20 * DAY))


def test_judge_again_refuses_claims_invalid_before_the_start() -> None:
    keyring = load_keyring(EXAMPLE_KEYRING)
    license = verify_license(jws(), keyring, AT_NOW)

    # Before its issue date too: NotYetValid, but with no license to use later.
    with pytest.raises(NotYetValid) as refused:
        judge_again(license, _at(NOW - 5 * 365 * DAY))
    assert isinstance(refused.value.__cause__, IssuedInFuture)
    assert refused.value.license is None


def test_judge_again_refuses_a_bad_leeway() -> None:
    license = verify_license(jws(), load_keyring(EXAMPLE_KEYRING), AT_NOW)
    with pytest.raises(ValueError):
        judge_again(license, AT_NOW, leeway=-1)
