"""Licenses are standard JWTs: jwcrypto reads ours, and we read jwcrypto's.

jwcrypto is the independent JOSE implementation (a test dependency only); it
is used at the JWS layer, so no wall clock enters through its claim checks.
Known answers in ``kat/`` pin the exact bytes.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwk, jws
from jwcrypto import jwt as jwcrypto_jwt

from issuer import keys, signing
from tests.verifier.make_hostile import NOW, claims
from verifier import Keyring, UnsupportedAlgorithm, load_keyring, verify_license

ROOT = Path(__file__).resolve().parents[2]
KAT = Path(__file__).resolve().parent / "kat"
HOSTILE = Path(__file__).resolve().parent / "hostile"
LICENSE_VECTORS = sorted(
    path for path in KAT.glob("*.json") if path.stem != "rfc8037-a4"
)
AT = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)

EXAMPLE_PRIVATE_PEM = (ROOT / "keys.example" / "example.key").read_bytes()
EXAMPLE_PUBLIC_PEM = (ROOT / "keys.example" / "example.pub").read_bytes()
OTHER_PRIVATE_PEM = (ROOT / "tests" / "keys" / "other.key").read_bytes()
OTHER_PUBLIC_PEM = (ROOT / "tests" / "keys" / "other.pub").read_bytes()
KEYRING = load_keyring(ROOT / "keys.example" / "keyring.json")
HEADER = {"alg": "EdDSA", "kid": "example", "typ": "JWT"}


def _segment(token: str, index: int) -> bytes:
    part = token.split(".")[index]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _vector(path: Path) -> dict[str, Any]:
    vector: dict[str, Any] = json.loads(path.read_text())
    return vector


def _example_key() -> Ed25519PrivateKey:
    key = load_pem_private_key(EXAMPLE_PRIVATE_PEM, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def jwcrypto_read(
    token: str, public_pem: bytes = EXAMPLE_PUBLIC_PEM
) -> tuple[dict, dict]:
    """Header and claims as jwcrypto sees them, after it checked the signature."""
    parsed = jws.JWS()
    parsed.allowed_algs = ["EdDSA"]
    parsed.deserialize(token)
    parsed.verify(jwk.JWK.from_pem(public_pem))
    return parsed.jose_header, json.loads(parsed.payload)


def jwcrypto_sign(
    payload: dict[str, Any],
    private_pem: bytes = EXAMPLE_PRIVATE_PEM,
    protected: dict[str, Any] = HEADER,
) -> str:
    signer = jws.JWS(json.dumps(payload).encode())
    signer.add_signature(jwk.JWK.from_pem(private_pem), None, json.dumps(protected))
    token: str = signer.serialize(compact=True)
    return token


# -- known answers ---------------------------------------------------------


def test_license_vectors_are_present() -> None:
    assert len(LICENSE_VECTORS) >= 4


@pytest.mark.parametrize("path", LICENSE_VECTORS, ids=lambda path: path.stem)
def test_vector_is_plain_ed25519_over_compact_sorted_json(path: Path) -> None:
    vector = _vector(path)
    token = vector["token"]
    head, payload, _ = token.split(".")

    assert (
        _segment(token, 0)
        == json.dumps(vector["header"], separators=(",", ":"), sort_keys=True).encode()
    )
    assert (
        _segment(token, 1)
        == json.dumps(vector["claims"], separators=(",", ":"), sort_keys=True).encode()
    )
    assert _segment(token, 2) == _example_key().sign(f"{head}.{payload}".encode())


@pytest.mark.parametrize("path", LICENSE_VECTORS, ids=lambda path: path.stem)
def test_pyjwt_reproduces_vector(path: Path) -> None:
    vector = _vector(path)

    token = jwt.encode(
        vector["claims"],
        _example_key(),
        algorithm="EdDSA",
        headers={"kid": vector["kid"]},
    )

    assert token == vector["token"]


@pytest.mark.parametrize("path", LICENSE_VECTORS, ids=lambda path: path.stem)
def test_issuer_signing_reproduces_vector(path: Path) -> None:
    vector = _vector(path)
    key = keys.load_signing_key(ROOT / vector["key"])

    assert signing.sign_claims(vector["claims"], key) == vector["token"]


@pytest.mark.parametrize("path", LICENSE_VECTORS, ids=lambda path: path.stem)
def test_vector_verifies_here_and_under_jwcrypto(path: Path) -> None:
    vector = _vector(path)
    now = datetime.fromisoformat(vector["now"].replace("Z", "+00:00"))

    license = verify_license(vector["token"], KEYRING, now)

    assert license.kid == vector["kid"]
    assert license.header == vector["header"]
    assert license.claims == vector["claims"]
    assert jwcrypto_read(vector["token"]) == (vector["header"], vector["claims"])


def test_rfc8037_example_is_reproduced_by_every_signer() -> None:
    vector = _vector(KAT / "rfc8037-a4.json")
    key = jwk.JWK(**vector["jwk"])
    private = key.get_op_key("sign")
    payload = vector["payload"].encode()

    by_pyjwt = jwt.api_jws.encode(
        payload, private, algorithm="EdDSA", headers={"typ": None}
    )
    by_jwcrypto = jws.JWS(payload)
    by_jwcrypto.add_signature(
        key, None, json.dumps(vector["header"], separators=(",", ":"))
    )

    assert by_pyjwt == vector["token"]
    assert by_jwcrypto.serialize(compact=True) == vector["token"]
    head, body, _ = vector["token"].split(".")
    assert _segment(vector["token"], 2) == private.sign(f"{head}.{body}".encode())


# -- ours, read by jwcrypto ------------------------------------------------


def test_pyjwt_token_reads_the_same_under_jwcrypto() -> None:
    token = jwt.encode(
        claims(), _example_key(), algorithm="EdDSA", headers={"kid": "example"}
    )

    assert jwcrypto_read(token) == (HEADER, claims())
    assert verify_license(token, KEYRING, AT).claims == claims()


def test_issuer_token_reads_the_same_under_jwcrypto() -> None:
    key = keys.load_signing_key(ROOT / "keys.example" / "example.key")

    token = signing.sign_claims(claims(), key)

    assert jwcrypto_read(token) == (HEADER, claims())


def test_jwcrypto_refuses_our_token_under_another_key() -> None:
    token = jwt.encode(
        claims(), _example_key(), algorithm="EdDSA", headers={"kid": "example"}
    )

    with pytest.raises(jws.InvalidJWSSignature):
        jwcrypto_read(token, OTHER_PUBLIC_PEM)


# -- jwcrypto's, read here -------------------------------------------------


def test_jwcrypto_jws_verifies_here_with_identical_claims() -> None:
    token = jwcrypto_sign(claims())

    license = verify_license(token, KEYRING, AT)

    assert license.claims == claims()
    assert license.header == HEADER


def test_jwcrypto_jwt_verifies_here_with_identical_claims() -> None:
    token = jwcrypto_jwt.JWT(header=HEADER, claims=claims())
    token.make_signed_token(jwk.JWK.from_pem(EXAMPLE_PRIVATE_PEM))

    license = verify_license(token.serialize(), KEYRING, AT)

    assert license.claims == claims()


def test_jwcrypto_token_of_a_rotated_key_verifies_under_its_kid() -> None:
    keyring = Keyring.from_pems(
        {"example": EXAMPLE_PUBLIC_PEM, "other": OTHER_PUBLIC_PEM}
    )
    token = jwcrypto_sign(claims(), OTHER_PRIVATE_PEM, {**HEADER, "kid": "other"})

    license = verify_license(token, keyring, AT)

    assert (license.kid, license.signed_with_example_key) == ("other", False)


def test_fully_specified_ed25519_algorithm_name_is_not_accepted() -> None:
    # RFC 9864 names the same signature "Ed25519"; SPEC 2 fixes the header to
    # "EdDSA", which is what deployed verifiers check, so the new name is refused.
    token = jwcrypto_sign(claims(), protected={**HEADER, "alg": "Ed25519"})

    with pytest.raises(UnsupportedAlgorithm, match="'Ed25519' is not accepted"):
        verify_license(token, KEYRING, AT)


# -- both directions, generated claims -------------------------------------

account_ids = st.text(min_size=1, max_size=40).filter(lambda text: text.strip() == text)
int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
feature_maps = st.dictionaries(st.text(min_size=1, max_size=30), int64, max_size=6)


@settings(max_examples=60, deadline=None)
@given(account_ids, feature_maps, st.booleans(), st.integers(0, 5 * 365 * 86400 - 1))
def test_generated_licenses_round_trip_both_ways(
    account_id: str, features: dict[str, int], trial: bool, term: int
) -> None:
    payload = claims(
        account_id=account_id,
        features=features,
        trial=trial,
        license_expires=NOW + term,
        exp=NOW + term + 1,
    )
    ours = jwt.encode(
        payload, _example_key(), algorithm="EdDSA", headers={"kid": "example"}
    )
    theirs = jwcrypto_sign(payload)

    assert jwcrypto_read(ours)[1] == payload
    assert verify_license(theirs, KEYRING, AT).claims == payload
    assert verify_license(ours, KEYRING, AT).claims == payload


# -- a second opinion on the hostile corpus --------------------------------

SIGNED_CASES = [
    path
    for path in sorted(HOSTILE.glob("*.json"))
    if _vector(path)["keyring"] == "example"
    and _vector(path)["expect"]["code"]
    in ("signature", "expired", "issued_in_future", "claim", "not_yet_valid")
]


@pytest.mark.parametrize("path", SIGNED_CASES, ids=lambda path: path.stem)
def test_jwcrypto_agrees_which_corpus_signatures_are_valid(path: Path) -> None:
    case = _vector(path)
    if case["expect"]["code"] == "signature":
        with pytest.raises(jws.InvalidJWSSignature):
            jwcrypto_read(case["token"])
    else:
        header, _ = jwcrypto_read(case["token"])
        assert header["kid"] == "example"
