"""Parsing and validating one license token, in the order of SPEC section 4.

Each step is one small function; the first failure raises its own
``LicenseError`` subclass with a stable one-line message. The structure is
checked strictly before any key is looked up, the Ed25519 signature with
``cryptography`` directly, then the license's own claim rules.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature

from ._errors import (
    BadSignature,
    Expired,
    InvalidClaim,
    IssuedInFuture,
    LicenseError,
    MalformedToken,
    NotYetValid,
    UnknownKey,
    UnsupportedAlgorithm,
)
from ._json import reject_duplicates
from ._keyring import Keyring, is_example_key, is_valid_kid

#: Tokens above this size are refused before anything is decoded.
MAX_TOKEN_BYTES = 16 * 1024
#: The longest a license term may reach beyond ``now`` (SPEC 4 step 7).
MAX_TERM_SECONDS = 5 * 365 * 24 * 3600
#: NumericDates past the year 9999 cannot be shown as a date; refuse them.
MAX_NUMERIC_DATE = 253402300799
#: Leeway beyond an hour would hide a broken clock rather than absorb skew.
MAX_LEEWAY_SECONDS = 3600
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
FORMAT_VERSION = 3

_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class License:
    """A license whose signature and claims have been verified."""

    kid: str
    header: dict[str, Any]
    claims: dict[str, Any]
    iat: int
    nbf: int
    license_expires: int
    exp: int
    account_type: str
    account_id: str
    trial: bool
    feature_set: str
    all_features: bool
    require_telemetry: bool
    features: dict[str, int]
    signed_with_example_key: bool

    @property
    def jti(self) -> str | None:
        value = self.claims.get("jti")
        return value if isinstance(value, str) else None


def verify_license(
    token: str | bytes,
    keyring: Keyring,
    now: datetime,
    leeway: int = 0,
) -> License:
    """Verify one token at ``now``; raise a ``LicenseError`` subclass on failure.

    ``NotYetValid`` is raised for a license whose term has not started. Its
    ``license`` attribute carries the claims when that was the only problem.
    """
    check_leeway(leeway)
    text = _as_text(token)
    header, claims = _decode_structure(text)
    _check_algorithm(header)
    key = _lookup_key(header, keyring)
    _check_signature(text, header, key)
    return _judge(header, claims, is_example_key(key), now, leeway)


def judge_again(license: License, now: datetime, leeway: int = 0) -> License:
    """A license already verified, judged again at another ``now``.

    The claims are checked (steps 5-8) exactly as ``verify_license`` checks
    them, raising the same errors; only the signature, which cannot have
    changed, is not verified a second time. The issuer's round trip uses this
    to merge at a renewal's first day the license it has just verified.
    """
    check_leeway(leeway)
    example = license.signed_with_example_key
    return _judge(license.header, license.claims, example, now, leeway)


def _judge(
    header: dict[str, Any],
    claims: dict[str, Any],
    example: bool,
    now: datetime,
    leeway: int,
) -> License:
    """Steps 5-8 on claims whose signature has been verified."""
    moment = now.timestamp()
    starts_later = _starts_after(claims, moment + leeway)
    try:
        _check_lifetime(claims, moment, leeway)
        _numeric_date(claims, "nbf")
        _check_contents(claims, moment)
        license = _build_license(header, claims, example)
    except LicenseError as error:
        if starts_later:
            raise NotYetValid(_not_yet_message(claims)) from error
        raise

    if starts_later:
        raise NotYetValid(_not_yet_message(claims), license=license)
    return license


def check_leeway(leeway: int) -> None:
    if isinstance(leeway, bool) or not 0 <= leeway <= MAX_LEEWAY_SECONDS:
        raise ValueError(
            f"leeway {leeway!r} must be a whole number of seconds from 0 to "
            f"{MAX_LEEWAY_SECONDS}"
        )


def decode_unverified(token: str | bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims, structure-checked but NOT verified (for ``inspect``)."""
    return _decode_structure(_as_text(token))


# Step 1: structure.


def _as_text(token: str | bytes) -> str:
    if len(token) > MAX_TOKEN_BYTES:
        raise MalformedToken(
            f"token is {len(token)} bytes, over the {MAX_TOKEN_BYTES}-byte limit"
        )
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise MalformedToken("token is not ASCII text") from None
    return token.strip()


def _decode_structure(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    segments = text.split(".")
    if len(segments) != 3:
        raise MalformedToken(
            f"token has {len(segments)} segments; a license has three, "
            "separated by dots"
        )

    header_bytes = _b64decode(segments[0], "header")
    claims_bytes = _b64decode(segments[1], "payload")
    _b64decode(segments[2], "signature")
    return _json_object(header_bytes, "header"), _json_object(claims_bytes, "payload")


def _b64decode(segment: str, name: str) -> bytes:
    """Strict base64url: no padding, no whitespace, canonical trailing bits."""
    problem = f"token {name} is not valid unpadded base64url"
    if not segment or not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        raise MalformedToken(problem)
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise MalformedToken(problem) from None
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode() != segment:
        raise MalformedToken(problem)
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_object(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=reject_duplicates,
            parse_constant=_reject_constant,
        )
    except RecursionError:
        raise MalformedToken(f"token {name} is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedToken(f"token {name} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise MalformedToken(f"token {name} is not a JSON object")
    if _has_lone_surrogate(value):
        raise MalformedToken(
            f"token {name} is not valid JSON: a string holds half a surrogate pair"
        )
    return value


def _has_lone_surrogate(value: Any) -> bool:
    """True if any string holds an unpaired \\ud800-\\udfff escape.

    Such a string has no UTF-8 form: printing or storing it fails, and other
    parsers (Go's among them) read it as U+FFFD instead. I-JSON (RFC 7493)
    forbids it. Iterative, so nesting the parser accepted cannot exhaust the
    stack here.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and _SURROGATE.search(item):
            return True
    return False


# Steps 2-4: algorithm, key, signature.


def _check_algorithm(header: dict[str, Any]) -> None:
    alg = header.get("alg")
    if alg != "EdDSA":
        raise UnsupportedAlgorithm(
            f"token algorithm {alg!r} is not accepted; licenses are signed with EdDSA"
        )


def _lookup_key(header: dict[str, Any], keyring: Keyring) -> Any:
    kid = header.get("kid")
    if kid is None:
        raise UnknownKey("token has no kid header naming its signing key")
    if not is_valid_kid(kid):
        raise UnknownKey("token kid is not 1-64 characters of A-Z a-z 0-9 . _ -")
    if kid not in keyring:
        raise UnknownKey(f"token kid {kid!r} is not in the keyring")
    return keyring[kid]


def _check_signature(text: str, header: dict[str, Any], key: Any) -> None:
    """Ed25519 over ``header.payload``, with ``cryptography`` and nothing else.

    pyjwt did this before, and importing it cost ``licensesmith verify`` more
    start-up time than everything else it does (see benchmarks/README.md).
    Its refusals stay: this verifier implements no JWS extension, so a
    ``crit`` header or ``b64: false`` (an unencoded payload) fails here.
    """
    if "crit" in header or header.get("b64", True) is False:
        raise BadSignature("token signature does not verify")
    signing_input, _, signature = text.rpartition(".")
    try:
        key.verify(_b64decode(signature, "signature"), signing_input.encode("ascii"))
    except InvalidSignature:
        raise BadSignature("token signature does not verify") from None


# Steps 5-6: time.


def _numeric_date(claims: dict[str, Any], name: str) -> int:
    if name not in claims:
        raise InvalidClaim(name, "is missing")
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidClaim(name, f"{value!r} is not a NumericDate (whole seconds)")
    if not 0 <= value <= MAX_NUMERIC_DATE:
        raise InvalidClaim(name, f"{value} is outside the range of dates")
    return value


def _starts_after(claims: dict[str, Any], moment: float) -> bool:
    try:
        return _numeric_date(claims, "nbf") > moment
    except InvalidClaim:
        return False


def _check_lifetime(claims: dict[str, Any], moment: float, leeway: int) -> None:
    exp = _numeric_date(claims, "exp")
    if exp + leeway <= moment:
        raise Expired(f"license expired at {format_time(exp)}")

    if "iat" in claims:
        iat = _numeric_date(claims, "iat")
        if iat > moment + leeway:
            raise IssuedInFuture(
                f"license is issued at {format_time(iat)}, after the current time"
            )


def _not_yet_message(claims: dict[str, Any]) -> str:
    nbf = claims.get("nbf")
    if isinstance(nbf, int) and not isinstance(nbf, bool):
        return f"license is not yet valid: its term starts at {format_time(nbf)}"
    return "license is not yet valid"


# Steps 7-8: contents and types.


def _check_contents(claims: dict[str, Any], moment: float) -> None:
    version = claims.get("version")
    # 3.0 == 3 in Python, but the product parses version as an integer.
    if type(version) is not int or version != FORMAT_VERSION:
        raise InvalidClaim("version", f"{version!r} is not {FORMAT_VERSION}")

    _numeric_date(claims, "iat")
    expires = _numeric_date(claims, "license_expires")
    if expires > moment + MAX_TERM_SECONDS:
        raise InvalidClaim(
            "license_expires",
            f"{format_time(expires)} is more than 5 x 365 days from now",
        )
    for name in ("account_type", "account_id"):
        value = claims.get(name)
        if not isinstance(value, str) or not value:
            raise InvalidClaim(name, "must be a non-empty string")

    _check_types(claims)
    if claims["nbf"] > claims["exp"]:
        raise InvalidClaim("nbf", "is after exp")


_BOOLEANS = ("trial", "all_features", "require_telemetry", "publish_usage_data")
_STRING_LISTS = ("deployment_ids", "addons")


def _check_types(claims: dict[str, Any]) -> None:
    for name in _BOOLEANS:
        if name in claims and not isinstance(claims[name], bool):
            raise InvalidClaim(name, f"{claims[name]!r} is not a boolean")
    for name in _STRING_LISTS:
        value = claims.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidClaim(name, "is not a list of strings")
    for name in ("jti", "feature_set"):
        if name in claims and not isinstance(claims[name], str):
            raise InvalidClaim(name, f"{claims[name]!r} is not a string")

    features = claims.get("features", {})
    if not isinstance(features, dict):
        raise InvalidClaim("features", "is not an object of name to integer")
    for name, value in features.items():
        # A name is the signer's text: quote it unless it prints as one line.
        claim = f"features.{name if name.isprintable() else repr(name)}"
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidClaim(claim, f"{value!r} is not an integer")
        if not INT64_MIN <= value <= INT64_MAX:
            raise InvalidClaim(claim, f"{value} is outside int64")


def _build_license(
    header: dict[str, Any], claims: dict[str, Any], example: bool
) -> License:
    return License(
        kid=header["kid"],
        header=header,
        claims=claims,
        iat=claims["iat"],
        nbf=claims["nbf"],
        license_expires=claims["license_expires"],
        exp=claims["exp"],
        account_type=claims["account_type"],
        account_id=claims["account_id"],
        trial=claims.get("trial", False),
        feature_set=claims.get("feature_set", "").lower(),
        all_features=claims.get("all_features", False),
        require_telemetry=claims.get("require_telemetry", False),
        features=dict(claims.get("features", {})),
        signed_with_example_key=example,
    )


def format_time(seconds: int | float) -> str:
    """RFC 3339 in UTC with a Z, as every output of the toolkit shows time."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def is_signed_with_example_key(token: str | bytes) -> bool:
    """Whether the throw-away example key made this signature.

    ``inspect`` reads tokens without a keyring, yet must still announce the
    example key, so it asks this instead of trusting the ``kid`` header.
    """
    from ._keyring import example_public_key

    try:
        text = _as_text(token)
        header, _ = _decode_structure(text)
        _check_signature(text, header, example_public_key())
    except LicenseError:
        return False
    return True
