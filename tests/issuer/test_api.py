"""The issuer's documented Python API works as its docstring shows."""

from __future__ import annotations

from datetime import UTC, datetime

import issuer
from tests.conftest import EXAMPLE_KEY, EXAMPLE_KEYRING, ROOT
from verifier import load_keyring, verify_license


def test_docstring_example_signs_a_verifiable_license() -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)

    compiled = issuer.compile_order(
        None, ROOT / "examples" / "acme-premium.yaml", now=now
    )
    signed = issuer.sign_and_check(compiled, issuer.load_signing_key(EXAMPLE_KEY), now)

    license = verify_license(signed.token, load_keyring(EXAMPLE_KEYRING), now)
    assert license.features["user_limit"] == 150
    assert license.signed_with_example_key


def test_every_exported_name_resolves() -> None:
    for name in issuer.__all__:
        assert getattr(issuer, name) is not None
