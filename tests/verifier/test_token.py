"""verify_license: each step of SPEC section 4, then the order of the steps.

Tokens are built byte by byte with the helpers of ``make_hostile`` (the example
key signs unless a test says otherwise); ``now`` is always pinned.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.verifier.make_hostile import (
    DAY,
    DROP,
    NOW,
    OTHER,
    ROOT,
    b64,
    claims,
    dumps,
    ed25519,
    header,
    jws,
    segments,
    with_segment,
)
from verifier import (
    MAX_TOKEN_BYTES,
    BadSignature,
    Expired,
    InvalidClaim,
    IssuedInFuture,
    Keyring,
    License,
    LicenseError,
    MalformedToken,
    NotYetValid,
    UnknownKey,
    UnsupportedAlgorithm,
    decode_unverified,
    format_time,
    load_keyring,
    verify_license,
)
from verifier._keyring import public_key_from_pem

AT = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
KEYRING = load_keyring(ROOT / "keys.example" / "keyring.json")
VALID = jws()


def verify(token: str | bytes, now: datetime = AT, leeway: int = 0) -> License:
    return verify_license(token, KEYRING, now, leeway)


def refused(token: str | bytes, now: datetime = AT, leeway: int = 0) -> LicenseError:
    with pytest.raises(LicenseError) as caught:
        verify(token, now, leeway)
    return caught.value


def test_pinned_clock_is_the_corpus_clock() -> None:
    assert AT.timestamp() == NOW


# -- a valid license -------------------------------------------------------


def test_valid_license_carries_every_claim() -> None:
    license = verify(VALID)

    assert license.kid == "example"
    assert license.header == {"alg": "EdDSA", "kid": "example", "typ": "JWT"}
    assert license.claims == claims()
    assert (license.iat, license.nbf) == (NOW - 10 * DAY, NOW - 10 * DAY)
    assert (license.license_expires, license.exp) == (NOW + 355 * DAY, NOW + 385 * DAY)
    assert (license.account_type, license.account_id) == (
        "salesforce",
        "0015e00000HOSTILE",
    )
    assert license.trial is False
    assert license.feature_set == "premium"
    assert license.all_features is False
    assert license.require_telemetry is False
    assert license.features == {
        "user_limit": 150,
        "managed_agent_limit_soft": 800,
        "managed_agent_limit_hard": 1000,
    }
    assert license.jti == "6f1c2a57-2b1e-4c55-9a0e-4b1d5c7e9f00"
    assert license.signed_with_example_key is True


def test_feature_set_is_read_case_insensitively() -> None:
    assert (
        verify(jws(payload=claims(feature_set="Enterprise"))).feature_set
        == "enterprise"
    )


def test_optional_claims_default_when_absent() -> None:
    license = verify(
        jws(payload=claims(jti=DROP, trial=DROP, feature_set=DROP, features=DROP))
    )

    assert license.jti is None
    assert license.trial is False
    assert license.feature_set == ""
    assert license.features == {}


def test_key_other_than_the_example_is_not_flagged() -> None:
    other_pem = (ROOT / "tests" / "keys" / "other.pub").read_bytes()
    keyring = Keyring({"other": public_key_from_pem(other_pem, "other")})
    token = jws(header(kid="other"), signer=ed25519(OTHER))

    license = verify_license(token, keyring, AT)

    assert license.kid == "other"
    assert license.signed_with_example_key is False


def test_bytes_and_text_verify_alike() -> None:
    assert verify(VALID.encode("ascii")).claims == verify(VALID).claims


def test_surrounding_whitespace_is_not_part_of_the_token() -> None:
    # License files end with a newline; the token itself is unchanged.
    assert verify(f"\n {VALID}\r\n").claims == claims()


def test_decode_unverified_reads_without_a_key_but_checks_structure() -> None:
    forged = jws(signer=ed25519(OTHER))

    assert decode_unverified(forged) == (header(), claims())
    with pytest.raises(MalformedToken):
        decode_unverified(f"{forged}.")


def test_format_time_is_rfc3339_utc() -> None:
    assert format_time(NOW) == "2027-03-01T12:00:00Z"


# -- step 1: structure -----------------------------------------------------


def _sized(size: int) -> str:
    """A validly signed license of exactly ``size`` characters."""
    start = (size - len(jws(payload=claims(padding="")))) * 3 // 4 - 4
    for length in range(start, size):
        token = jws(payload=claims(padding="x" * length))
        if len(token) >= size:
            assert len(token) == size, "this size is not reachable by padding"
            return token
    raise AssertionError(size)


def test_size_limit_is_inclusive() -> None:
    assert verify(_sized(MAX_TOKEN_BYTES)).claims["padding"]


def test_one_byte_over_the_limit_is_refused_though_validly_signed() -> None:
    token = _sized(MAX_TOKEN_BYTES + 1)

    error = refused(token)

    assert type(error) is MalformedToken
    assert str(error) == "token is 16385 bytes, over the 16384-byte limit"


def test_non_ascii_bytes_are_malformed() -> None:
    error = refused(VALID.encode() + b"\xff")

    assert type(error) is MalformedToken
    assert str(error) == "token is not ASCII text"


def test_non_ascii_text_is_malformed() -> None:
    head, payload, signature = segments(VALID)
    error = refused(f"{head}.{payload}\u00e9.{signature}")

    assert type(error) is MalformedToken
    assert str(error) == "token payload is not valid unpadded base64url"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("a.b", "token has 2 segments; a license has three, separated by dots"),
        (f"{VALID}.x", "token has 4 segments; a license has three, separated by dots"),
        (with_segment(VALID, 1, ""), "token payload is not valid unpadded base64url"),
        (
            f"{b64(b'[]')}.{segments(VALID)[1]}.{segments(VALID)[2]}",
            "token header is not a JSON object",
        ),
        (
            jws(payload=b'{"exp":1,"exp":2}'),
            "token payload is not valid JSON: duplicate member 'exp'",
        ),
        (jws(payload=b"[" * 2000 + b"]" * 2000), "token payload is nested too deeply"),
    ],
    ids=[
        "two-segments",
        "four-segments",
        "empty-payload",
        "header-array",
        "duplicate",
        "nested",
    ],
)
def test_step1_malformed(token: str, message: str) -> None:
    error = refused(token)

    assert type(error) is MalformedToken
    assert error.code == "malformed"
    assert str(error) == message


def test_escaped_surrogate_pair_is_one_character() -> None:
    payload = dumps(claims(account_id="acme-\U0001f680"))
    assert b"\\ud83d\\ude80" in payload

    assert verify(jws(payload=payload)).account_id == "acme-\U0001f680"


def test_lone_surrogate_is_refused_even_unverified() -> None:
    # inspect prints what decode_unverified returns; half a pair cannot be printed.
    token = jws(payload=dumps(claims(account_id="acme-\ud83d")))

    with pytest.raises(MalformedToken) as caught:
        decode_unverified(token)

    assert str(caught.value) == (
        "token payload is not valid JSON: a string holds half a surrogate pair"
    )


# -- steps 2-4: algorithm, key, signature ----------------------------------


def test_step2_algorithm_other_than_eddsa() -> None:
    error = refused(jws(header(alg="HS256")))

    assert type(error) is UnsupportedAlgorithm
    assert error.code == "algorithm"
    assert str(error) == (
        "token algorithm 'HS256' is not accepted; licenses are signed with EdDSA"
    )


@pytest.mark.parametrize(
    ("kid", "message"),
    [
        (DROP, "token has no kid header naming its signing key"),
        (7, "token kid is not 1-64 characters of A-Z a-z 0-9 . _ -"),
        ("../example", "token kid is not 1-64 characters of A-Z a-z 0-9 . _ -"),
        ("retired", "token kid 'retired' is not in the keyring"),
    ],
    ids=["missing", "number", "path", "unknown"],
)
def test_step3_kid(kid: object, message: str) -> None:
    error = refused(jws(header(kid=kid)))

    assert type(error) is UnknownKey
    assert error.code == "unknown_key"
    assert str(error) == message


def test_kid_of_64_characters_is_looked_up() -> None:
    kid = "k" * 64
    keyring = Keyring({kid: KEYRING["example"]})

    assert verify_license(jws(header(kid=kid)), keyring, AT).kid == kid


def test_step4_signature_by_another_key() -> None:
    error = refused(jws(signer=ed25519(OTHER)))

    assert type(error) is BadSignature
    assert error.code == "signature"
    assert str(error) == "token signature does not verify"


def test_step4_message_is_the_same_whatever_was_forged() -> None:
    head, payload, signature = segments(VALID)
    tampered_payload = b64(dumps(claims(account_id="0015e00000OTHER")))
    forgeries = [
        jws(signer=ed25519(OTHER)),
        f"{head}.{tampered_payload}.{signature}",
        with_segment(VALID, 2, b64(bytes(64))),
        with_segment(VALID, 2, b64(bytes(10))),
    ]

    assert {str(refused(token)) for token in forgeries} == {
        "token signature does not verify"
    }


# -- steps 5-6: time -------------------------------------------------------


def test_step5_expired_at_exp_itself() -> None:
    error = refused(jws(payload=claims(license_expires=NOW - DAY, exp=NOW)))

    assert type(error) is Expired
    assert error.code == "expired"
    assert str(error) == "license expired at 2027-03-01T12:00:00Z"


def test_step5_one_second_before_exp_is_valid() -> None:
    assert verify(jws(payload=claims(license_expires=NOW, exp=NOW + 1))).exp == NOW + 1


def test_step5_issued_in_future() -> None:
    error = refused(jws(payload=claims(iat=NOW + 1)))

    assert type(error) is IssuedInFuture
    assert error.code == "issued_in_future"
    assert str(error) == (
        "license is issued at 2027-03-01T12:00:01Z, after the current time"
    )


def test_step5_issued_exactly_now_is_valid() -> None:
    assert verify(jws(payload=claims(iat=NOW))).iat == NOW


def test_step6_not_yet_valid_keeps_the_license() -> None:
    token = jws(payload=claims(nbf=NOW + DAY))

    error = refused(token)

    assert type(error) is NotYetValid
    assert error.code == "not_yet_valid"
    assert (
        str(error)
        == "license is not yet valid: its term starts at 2027-03-02T12:00:00Z"
    )
    assert isinstance(error.license, License)
    assert error.license.nbf == NOW + DAY
    assert error.license.claims == claims(nbf=NOW + DAY)


def test_step6_starting_exactly_now_is_valid() -> None:
    assert verify(jws(payload=claims(nbf=NOW))).nbf == NOW


# -- steps 7-8: contents and types -----------------------------------------


@pytest.mark.parametrize(
    ("overrides", "claim", "reason"),
    [
        ({"version": 2}, "version", "2 is not 3"),
        ({"version": 3.0}, "version", "3.0 is not 3"),
        ({"iat": DROP}, "iat", "is missing"),
        ({"license_expires": DROP}, "license_expires", "is missing"),
        ({"account_type": ""}, "account_type", "must be a non-empty string"),
        ({"account_id": ""}, "account_id", "must be a non-empty string"),
        ({"trial": 1}, "trial", "1 is not a boolean"),
        (
            {"features": {"user_limit": 2**63}},
            "features.user_limit",
            f"{2**63} is outside int64",
        ),
        (
            {"features": {"audit_log": "1"}},
            "features.audit_log",
            "'1' is not an integer",
        ),
        (
            {"features": {"a\u2028b": 1.0}},
            "features.'a\\u2028b'",
            "1.0 is not an integer",
        ),
        (
            {"exp": "1900000000"},
            "exp",
            "'1900000000' is not a NumericDate (whole seconds)",
        ),
        ({"nbf": 2**70}, "nbf", f"{2**70} is outside the range of dates"),
    ],
    ids=[
        "version-2",
        "version-float",
        "iat-missing",
        "license-expires-missing",
        "account-type-empty",
        "account-id-empty",
        "trial-int",
        "feature-int64",
        "feature-string",
        "feature-name-line-separator",
        "exp-string",
        "nbf-huge",
    ],
)
def test_steps7_8_invalid_claim(overrides: dict, claim: str, reason: str) -> None:
    error = refused(jws(payload=claims(**overrides)))

    assert type(error) is InvalidClaim
    assert error.code == "claim"
    assert (error.claim, error.reason) == (claim, reason)
    assert str(error) == f"claim {claim}: {reason}"
    assert len(str(error).splitlines()) == 1


def test_int64_bounds_themselves_are_valid() -> None:
    features = {"user_limit": 2**63 - 1, "audit_log": -(2**63)}

    assert verify(jws(payload=claims(features=features))).features == features


def test_step7_term_of_exactly_five_years_is_valid() -> None:
    ceiling = NOW + 5 * 365 * DAY
    token = jws(payload=claims(license_expires=ceiling, exp=ceiling))

    assert verify(token).license_expires == ceiling


def test_step7_term_a_second_past_five_years_is_refused() -> None:
    ceiling = NOW + 5 * 365 * DAY
    error = refused(jws(payload=claims(license_expires=ceiling + 1, exp=ceiling + 1)))

    assert type(error) is InvalidClaim
    assert error.claim == "license_expires"


# -- the order of the steps ------------------------------------------------


def _expired(**overrides: object) -> dict:
    return claims(license_expires=NOW - 31 * DAY, exp=NOW - DAY, **overrides)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (with_segment(jws(header(alg="none")), 2, "sig="), MalformedToken),
        (jws(header(alg="none", kid="retired")), UnsupportedAlgorithm),
        (jws(header(alg="RS256", kid=[1])), UnsupportedAlgorithm),
        (jws(header(kid="retired"), signer=ed25519(OTHER)), UnknownKey),
        (with_segment(jws(payload=_expired()), 2, segments(VALID)[2]), BadSignature),
        (jws(payload=claims(nbf=NOW + DAY), signer=ed25519(OTHER)), BadSignature),
        (jws(payload=_expired(iat=NOW + DAY)), Expired),
        (jws(payload=_expired(version=2)), Expired),
        (jws(payload=claims(iat=NOW + DAY, version=2)), IssuedInFuture),
        (jws(payload=claims(version=2, account_id="")), InvalidClaim),
    ],
    ids=[
        "malformed-before-algorithm",
        "algorithm-before-kid",
        "algorithm-before-kid-type",
        "kid-before-signature",
        "signature-before-expiry",
        "signature-before-not-yet-valid",
        "expiry-before-issued-in-future",
        "expiry-before-contents",
        "issued-in-future-before-contents",
        "version-before-account",
    ],
)
def test_first_failing_step_is_reported(token: str, expected: type) -> None:
    assert type(refused(token)) is expected


def test_version_is_checked_before_types() -> None:
    error = refused(jws(payload=claims(version=2, features={"user_limit": "x"})))

    assert isinstance(error, InvalidClaim) and error.claim == "version"


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": NOW - DAY, "license_expires": NOW - DAY},
        {"version": 2},
        {"features": {"user_limit": "150"}},
        {"account_id": ""},
        {"exp": NOW + DAY, "license_expires": NOW + DAY},  # nbf after exp
    ],
    ids=["expired", "version", "feature-type", "account", "exp-before-nbf"],
)
def test_not_yet_valid_with_another_failure_keeps_no_license(overrides: dict) -> None:
    error = refused(jws(payload=claims(nbf=NOW + 2 * DAY, **overrides)))

    assert type(error) is NotYetValid
    assert error.license is None
    assert isinstance(error.__cause__, LicenseError)


def test_unusable_nbf_is_a_claim_error_not_a_future_start() -> None:
    error = refused(jws(payload=claims(nbf=str(NOW + DAY))))

    assert type(error) is InvalidClaim
    assert error.claim == "nbf"


# -- leeway ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "leeway"),
    [
        ({"nbf": NOW + 60}, 60),
        ({"iat": NOW + 60, "nbf": NOW + 60}, 60),
        ({"exp": NOW - 59, "license_expires": NOW - 59}, 60),
        ({"nbf": NOW + 3600}, 3600),
    ],
    ids=["nbf", "iat", "exp", "an-hour"],
)
def test_leeway_absorbs_skew(overrides: dict, leeway: int) -> None:
    token = jws(payload=claims(**overrides))

    assert isinstance(verify(token, leeway=leeway), License)
    assert isinstance(refused(token, leeway=0), LicenseError)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"nbf": NOW + 61}, NotYetValid),
        ({"iat": NOW + 61}, IssuedInFuture),
        ({"exp": NOW - 60, "license_expires": NOW - 60}, Expired),
    ],
    ids=["nbf", "iat", "exp"],
)
def test_leeway_has_an_edge(overrides: dict, expected: type) -> None:
    assert type(refused(jws(payload=claims(**overrides)), leeway=60)) is expected


@pytest.mark.parametrize("leeway", [-1, 3601, True])
def test_leeway_outside_bounds_is_a_caller_mistake(leeway: int) -> None:
    with pytest.raises(ValueError, match="from 0 to 3600"):
        verify(VALID, leeway=leeway)


def test_now_with_another_offset_is_the_same_instant() -> None:
    elsewhere = AT.astimezone(timezone(timedelta(hours=9)))

    assert verify(jws(payload=claims(nbf=NOW)), now=elsewhere).nbf == NOW
