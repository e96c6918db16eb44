"""Properties of verify_license over generated input (hypothesis).

Whatever it is given, the verifier answers with a ``License`` or a
``LicenseError``: never another exception. A changed token never verifies.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.verifier.make_hostile import NOW, ROOT, b64, claims, jws
from verifier import (
    MAX_TOKEN_BYTES,
    InvalidClaim,
    License,
    LicenseError,
    NotYetValid,
    load_keyring,
    verify_license,
)

AT = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
KEYRING = load_keyring(ROOT / "keys.example" / "keyring.json")
VALID = jws()
VALID_BYTES = VALID.encode("ascii")
INT64 = 2**63
FIVE_YEARS = 5 * 365 * 86400

SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def outcome(token: str | bytes) -> License | LicenseError:
    """The verifier's answer; any other exception fails the test."""
    try:
        return verify_license(token, KEYRING, AT)
    except LicenseError as error:
        return error


def _only_surrounding_whitespace_changed(token: bytes) -> bool:
    try:
        return token.decode("ascii").strip() == VALID
    except UnicodeDecodeError:
        return False


# -- one-byte mutations ----------------------------------------------------

positions = st.integers(min_value=0, max_value=len(VALID_BYTES))
byte_values = st.integers(min_value=0, max_value=255)


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["replace", "insert", "delete"]))
    if kind == "insert":
        at = draw(positions)
        return VALID_BYTES[:at] + bytes([draw(byte_values)]) + VALID_BYTES[at:]
    at = draw(positions.filter(lambda position: position < len(VALID_BYTES)))
    if kind == "delete":
        return VALID_BYTES[:at] + VALID_BYTES[at + 1 :]
    new = draw(byte_values.filter(lambda value: value != VALID_BYTES[at]))
    return VALID_BYTES[:at] + bytes([new]) + VALID_BYTES[at + 1 :]


def test_the_unmutated_token_verifies() -> None:
    assert isinstance(outcome(VALID_BYTES), License)


@SETTINGS
@given(mutations())
def test_any_one_byte_mutation_fails(mutated: bytes) -> None:
    result = outcome(mutated)

    if _only_surrounding_whitespace_changed(mutated):
        # Whitespace around the token is not part of it (files end in "\n").
        assert isinstance(result, License)
    else:
        assert isinstance(result, LicenseError), mutated


@SETTINGS
@given(st.data())
def test_any_one_character_mutation_of_text_fails(data: st.DataObject) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(VALID) - 1))
    char = data.draw(st.characters().filter(lambda char: char != VALID[at]))
    mutated = VALID[:at] + char + VALID[at + 1 :]

    result = outcome(mutated)

    if mutated.strip() == VALID:
        assert isinstance(result, License)
    else:
        assert isinstance(result, LicenseError), mutated


# -- arbitrary input -------------------------------------------------------


@SETTINGS
@given(st.binary(max_size=MAX_TOKEN_BYTES + 64))
def test_arbitrary_bytes_are_refused(token: bytes) -> None:
    assert isinstance(outcome(token), LicenseError)


@SETTINGS
@given(st.text(max_size=400))
def test_arbitrary_text_is_refused(token: str) -> None:
    assert isinstance(outcome(token), LicenseError)


base64url_text = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    max_size=120,
)


@SETTINGS
@given(st.lists(base64url_text, min_size=1, max_size=5))
def test_arbitrary_base64url_segments_are_refused(parts: list[str]) -> None:
    assert isinstance(outcome(".".join(parts)), LicenseError)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@SETTINGS
@given(json_values, json_values, st.binary(max_size=80))
def test_arbitrary_json_header_and_payload_are_refused(
    head: Any, payload: Any, signature: bytes
) -> None:
    # Unsigned by any trusted key: whatever the JSON, nothing may verify.
    token = (
        ".".join(b64(json.dumps(part).encode()) for part in (head, payload))
        + f".{b64(signature)}"
    )

    assert isinstance(outcome(token), LicenseError)


# -- signed claims of any shape --------------------------------------------

CLAIM_NAMES = list(claims()) + [
    "deployment_ids",
    "addons",
    "all_features",
    "require_telemetry",
    "publish_usage_data",
]
numeric_dates = st.integers(
    min_value=NOW - 10 * FIVE_YEARS, max_value=NOW + 2 * FIVE_YEARS
)
claim_values = (
    numeric_dates
    | json_values
    | st.dictionaries(st.text(max_size=30), json_values | st.integers(), max_size=5)
)


@st.composite
def signed_claims(draw: st.DrawFn) -> dict[str, Any]:
    """A valid license with some claims replaced, removed or added."""
    result = claims()
    for name in draw(st.lists(st.sampled_from(CLAIM_NAMES), max_size=4, unique=True)):
        if draw(st.booleans()):
            result[name] = draw(claim_values)
        else:
            result.pop(name, None)
    extra = draw(st.dictionaries(st.text(max_size=10), json_values, max_size=3))
    return {**extra, **result}


def _is_int(value: object) -> bool:
    return type(value) is int


@SETTINGS
@given(signed_claims())
def test_signed_claims_give_a_license_or_a_license_error(payload: dict) -> None:
    token = jws(payload=json.dumps(payload).encode())
    if len(token) > MAX_TOKEN_BYTES:
        return

    result = outcome(token)

    if isinstance(result, NotYetValid) and result.license is not None:
        assert result.license.nbf > NOW
        result = result.license
    if not isinstance(result, License):
        assert isinstance(result, LicenseError)
        return
    assert result.claims == payload
    assert all(
        _is_int(payload[name]) for name in ("iat", "nbf", "exp", "license_expires")
    )
    assert payload["iat"] <= NOW < payload["exp"]
    assert payload["nbf"] <= payload["exp"]
    assert payload["license_expires"] <= NOW + FIVE_YEARS
    assert _is_int(payload["version"]) and payload["version"] == 3
    assert payload["account_id"] and isinstance(payload["account_id"], str)
    assert all(
        _is_int(value) and -INT64 <= value < INT64
        for value in payload.get("features", {}).values()
    )


@SETTINGS
@given(st.sampled_from(["exp", "nbf", "iat", "license_expires"]), json_values)
def test_a_numeric_date_that_is_not_a_whole_number_is_a_claim_error(
    name: str, value: Any
) -> None:
    if _is_int(value):
        return
    result = outcome(jws(payload=json.dumps(claims(**{name: value})).encode()))

    # NaN and Infinity are not JSON at all: refused while parsing.
    assert isinstance(result, InvalidClaim) or result.code == "malformed"
    if isinstance(result, InvalidClaim):
        assert result.claim == name
