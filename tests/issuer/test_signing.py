"""issuer.signing: the compact JWS, byte for byte."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import jwt
import pytest

from issuer.keys import load_signing_key
from issuer.signing import sign_claims

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def example_key():
    return load_signing_key(REPO / "keys.example" / "example.key")


@pytest.fixture
def claims():
    return json.loads((FIXTURES / "kat-example.claims.json").read_text())


def segment(token: str, index: int) -> bytes:
    part = token.split(".")[index]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_known_answer_with_the_example_key(example_key, claims):
    expected = (FIXTURES / "kat-example.jwt").read_text().strip()

    assert sign_claims(claims, example_key) == expected


def test_known_answer_signature_is_plain_ed25519_over_the_signing_input(example_key):
    """A control that does not go through pyjwt: cryptography alone."""
    token = (FIXTURES / "kat-example.jwt").read_text().strip()
    header, payload, _ = token.split(".")

    signature = example_key.private_key.sign(f"{header}.{payload}".encode("ascii"))

    assert segment(token, 2) == signature
    example_key.public_key.verify(signature, f"{header}.{payload}".encode("ascii"))


def test_header_is_exactly_alg_kid_typ(example_key, claims):
    token = sign_claims(claims, example_key)

    assert json.loads(segment(token, 0)) == {
        "alg": "EdDSA",
        "kid": "example",
        "typ": "JWT",
    }


def test_claims_read_back_unchanged(example_key, claims):
    token = sign_claims(claims, example_key)

    decoded = jwt.decode(
        token,
        example_key.public_key,
        algorithms=["EdDSA"],
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )

    assert decoded == claims


def test_same_claims_in_another_order_give_the_same_bytes(example_key, claims):
    reordered = dict(reversed(list(claims.items())))
    reordered["features"] = dict(reversed(list(claims["features"].items())))

    assert sign_claims(reordered, example_key) == sign_claims(claims, example_key)


def test_no_padding_and_three_segments(example_key, claims):
    token = sign_claims(claims, example_key)

    assert token.count(".") == 2
    assert "=" not in token


def test_nan_is_refused_rather_than_written_as_non_json(example_key, claims):
    claims["iat"] = math.nan

    with pytest.raises(ValueError):
        sign_claims(claims, example_key)
