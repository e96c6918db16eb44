"""Write the hostile-token corpus: ``tests/verifier/hostile/<case>.json``.

Run from the repository root after changing a case or a test key::

    python -m tests.verifier.make_hostile

Every token is built here byte by byte (base64url and ``cryptography``), since
pyjwt rightly refuses to produce most of them. Every signature is
deterministic (Ed25519, RSA PKCS#1 v1.5, RFC 6979 ECDSA, HMAC), so running
this again writes identical files; ``test_hostile.py`` checks that it does.
The expected outcome of each case is written here by hand from SPEC section 4,
never read back from the verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = Path(__file__).resolve().parent / "hostile"
TEST_KEYS = ROOT / "tests" / "keys"
EXAMPLE_KEY = ROOT / "keys.example" / "example.key"

NOW_TEXT = "2027-03-01T12:00:00Z"
NOW = 1803902400
DAY = 86400
MAX_TOKEN_BYTES = 16 * 1024

#: The stable code of each error class: the contract, written out by hand.
CODES = {
    "MalformedToken": "malformed",
    "UnsupportedAlgorithm": "algorithm",
    "UnknownKey": "unknown_key",
    "BadSignature": "signature",
    "Expired": "expired",
    "IssuedInFuture": "issued_in_future",
    "InvalidClaim": "claim",
    "NotYetValid": "not_yet_valid",
}

HEADER = {"alg": "EdDSA", "kid": "example", "typ": "JWT"}
DROP = object()  # an override that removes the claim

Signer = Callable[[bytes], bytes]


def _private_key(path: Path) -> Any:
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _public_pem(name: str) -> str:
    return (TEST_KEYS / f"{name}.pub").read_text()


EXAMPLE = _private_key(EXAMPLE_KEY)
OTHER = _private_key(TEST_KEYS / "other.key")
RSA = _private_key(TEST_KEYS / "rsa2048.key")
EC = _private_key(TEST_KEYS / "ec-p256.key")
EXAMPLE_PUBLIC_PEM = (ROOT / "keys.example" / "example.pub").read_bytes()


# -- bytes -----------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def claims(**overrides: Any) -> dict[str, Any]:
    """A valid premium license at NOW: began 10 days ago, runs a year."""
    base: dict[str, Any] = {
        "iat": NOW - 10 * DAY,
        "nbf": NOW - 10 * DAY,
        "license_expires": NOW + 355 * DAY,
        "exp": NOW + 385 * DAY,
        "jti": "6f1c2a57-2b1e-4c55-9a0e-4b1d5c7e9f00",
        "account_type": "salesforce",
        "account_id": "0015e00000HOSTILE",
        "trial": False,
        "feature_set": "premium",
        "version": 3,
        "features": {
            "user_limit": 150,
            "managed_agent_limit_soft": 800,
            "managed_agent_limit_hard": 1000,
        },
    }
    for name, value in overrides.items():
        if value is DROP:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def header(**overrides: Any) -> dict[str, Any]:
    result = dict(HEADER)
    for name, value in overrides.items():
        if value is DROP:
            result.pop(name, None)
        else:
            result[name] = value
    return result


# -- signers ---------------------------------------------------------------


def ed25519(key: Ed25519PrivateKey) -> Signer:
    return key.sign


def rs256(data: bytes) -> bytes:
    return RSA.sign(data, padding.PKCS1v15(), hashes.SHA256())


def es256(data: bytes) -> bytes:
    algorithm = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    r, s = decode_dss_signature(EC.sign(data, algorithm))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def hmac_with(secret: bytes, digest: str = "sha256") -> Signer:
    return lambda data: hmac.new(secret, data, getattr(hashlib, digest)).digest()


def jws(
    head: dict[str, Any] | bytes = HEADER,
    payload: dict[str, Any] | bytes | None = None,
    signer: Signer | None = None,
) -> str:
    """Compact JWS of exactly these header and payload bytes."""
    head_bytes = head if isinstance(head, bytes) else dumps(head)
    if payload is None:
        payload = claims()
    payload_bytes = payload if isinstance(payload, bytes) else dumps(payload)
    signing_input = f"{b64(head_bytes)}.{b64(payload_bytes)}"
    signature = (signer or ed25519(EXAMPLE))(signing_input.encode())
    return f"{signing_input}.{b64(signature)}"


def segments(token: str) -> list[str]:
    return token.split(".")


def with_segment(token: str, index: int, value: str) -> str:
    parts = segments(token)
    parts[index] = value
    return ".".join(parts)


VALID = jws()


# -- cases -----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    token: str
    error: str
    contains: str
    keyring: Any = "example"
    leeway: int | None = None
    license_dropped: bool = False
    #: What ``licensesmith verify`` says when it differs from the API.
    cli_contains: str | None = None

    def to_json(self) -> dict[str, Any]:
        expect: dict[str, Any] = {
            "error": self.error,
            "code": CODES[self.error],
            "message_contains": self.contains,
        }
        if self.license_dropped:
            expect["license"] = None
        if self.cli_contains:
            expect["cli_message_contains"] = self.cli_contains
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "now": NOW_TEXT,
            "token": self.token,
            "keyring": self.keyring,
        }
        if self.leeway is not None:
            data["leeway"] = self.leeway
        data["expect"] = expect
        return data


def _algorithm_cases() -> Iterator[Case]:
    signature = segments(VALID)[2]
    for alg in ("none", "None", "NONE", "nOnE"):
        unsigned = f"{b64(dumps(header(alg=alg)))}.{b64(dumps(claims()))}"
        yield Case(
            f"alg-{alg}-with-signature",
            f"alg {alg!r} with a real Ed25519 signature segment: refused at step 2",
            f"{unsigned}.{signature}",
            "UnsupportedAlgorithm",
            f"token algorithm {alg!r} is not accepted",
        )
        yield Case(
            f"alg-{alg}-empty-signature",
            f"alg {alg!r} with an empty third segment: an empty segment is not "
            "base64url, so step 1 refuses it before the algorithm is read",
            f"{unsigned}.",
            "MalformedToken",
            "token signature is not valid unpadded base64url",
        )
    yield Case(
        "alg-none-no-kid",
        "alg none and no kid at all: the algorithm is reported",
        jws(header(alg="none", kid=DROP)),
        "UnsupportedAlgorithm",
        "token algorithm 'none' is not accepted",
    )
    yield Case(
        "alg-missing",
        "no alg member in the header",
        jws(header(alg=DROP)),
        "UnsupportedAlgorithm",
        "token algorithm None is not accepted",
    )
    for label, alg in (
        ("lowercase-eddsa", "eddsa"),
        ("uppercase-eddsa", "EDDSA"),
        ("ed25519-name", "Ed25519"),
        ("trailing-space", "EdDSA "),
        ("nul-suffix", "EdDSA\u0000"),
    ):
        yield Case(
            f"alg-{label}",
            f"alg {alg!r} is not exactly 'EdDSA'; a correct Ed25519 signature "
            "does not make it acceptable",
            jws(header(alg=alg)),
            "UnsupportedAlgorithm",
            "is not accepted; licenses are signed with EdDSA",
        )
    for label, alg in (
        ("list", ["EdDSA"]),
        ("object", {"name": "EdDSA"}),
        ("true", True),
    ):
        yield Case(
            f"alg-{label}",
            f"alg is a JSON {label}, not a string",
            jws(header(alg=alg)),
            "UnsupportedAlgorithm",
            "is not accepted; licenses are signed with EdDSA",
        )
    public_raw = EXAMPLE.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    for name, alg, secret, digest, what in (
        ("pem", "HS256", EXAMPLE_PUBLIC_PEM, "sha256", "PEM bytes"),
        ("raw", "HS256", public_raw, "sha256", "32 raw bytes"),
        ("pem", "HS512", EXAMPLE_PUBLIC_PEM, "sha512", "PEM bytes"),
    ):
        yield Case(
            f"alg-{alg.lower()}-example-public-key-{name}",
            f"algorithm confusion: {alg} whose HMAC secret is the trusted "
            f"example public key's {what}, kid example",
            jws(header(alg=alg), signer=hmac_with(secret, digest)),
            "UnsupportedAlgorithm",
            f"token algorithm {alg!r} is not accepted",
        )
    yield Case(
        "alg-rs256-rsa-test-key",
        "RS256, really signed with the RSA test key, kid example",
        jws(header(alg="RS256"), signer=rs256),
        "UnsupportedAlgorithm",
        "token algorithm 'RS256' is not accepted",
    )
    yield Case(
        "alg-es256-ec-test-key",
        "ES256, really signed with the P-256 test key, kid example",
        jws(header(alg="ES256"), signer=es256),
        "UnsupportedAlgorithm",
        "token algorithm 'ES256' is not accepted",
    )
    yield Case(
        "alg-es256-unknown-kid",
        "ES256 under a kid the keyring lacks: step 2 reports before step 3",
        jws(header(alg="ES256", kid="ec-p256"), signer=es256),
        "UnsupportedAlgorithm",
        "token algorithm 'ES256' is not accepted",
    )


def _kid_cases() -> Iterator[Case]:
    not_a_kid = "token kid is not 1-64 characters of A-Z a-z 0-9 . _ -"
    yield Case(
        "kid-missing",
        "no kid member: the verifier does not guess a key",
        jws(header(kid=DROP)),
        "UnknownKey",
        "token has no kid header naming its signing key",
    )
    yield Case(
        "kid-null",
        "kid is JSON null",
        jws(header(kid=None)),
        "UnknownKey",
        "token has no kid header naming its signing key",
    )
    for label, kid in (
        ("number", 1),
        ("float", 1.5),
        ("true", True),
        ("list", ["example"]),
        ("object", {"kid": "example"}),
        ("empty-string", ""),
        ("65-characters", "k" * 65),
        ("nul-suffix", "example\u0000"),
        ("newline-suffix", "example\n"),
        ("trailing-space", "example "),
        ("cyrillic-a", "ex\u0430mple"),
    ):
        yield Case(
            f"kid-{label}",
            f"kid {kid!r} is not a valid key id; the example key really signed it",
            jws(header(kid=kid)),
            "UnknownKey",
            not_a_kid,
        )
    for label, kid in (("unknown", "retired-2024"), ("wrong-case", "EXAMPLE")):
        yield Case(
            f"kid-{label}",
            f"kid {kid!r} is well formed but not in the keyring",
            jws(header(kid=kid)),
            "UnknownKey",
            f"token kid {kid!r} is not in the keyring",
        )
    yield from _directory_kid_cases(not_a_kid)


def _directory_kid_cases(not_a_kid: str) -> Iterator[Case]:
    """Kids aimed at files around a directory keyring.

    The test lays out ``keyring/example.pub`` (trusted), ``other.pub`` beside
    the keyring and ``keyring/nested/other.pub`` below it; these tokens are
    signed by the other key, so a verifier that built a path from the kid
    would accept them.
    """
    signer = ed25519(OTHER)
    for label, kid in (
        ("dotdot-slash", "../other"),
        ("nested-slash", "nested/other"),
        ("backslash", "..\\other"),
        ("absolute", "/other"),
        ("dot-slash", "./example"),
    ):
        yield Case(
            f"kid-path-{label}",
            f"kid {kid!r} against a directory keyring: refused without touching "
            "the filesystem",
            jws(header(kid=kid), signer=signer),
            "UnknownKey",
            not_a_kid,
            keyring="dir",
        )
    for label, kid in (
        ("dotdot", ".."),
        ("outside-dir", "other"),
        ("pub-suffix", "example.pub"),
    ):
        yield Case(
            f"kid-path-{label}",
            f"kid {kid!r} is made of allowed characters but names no trusted key "
            "of the directory keyring",
            jws(header(kid=kid), signer=signer),
            "UnknownKey",
            f"token kid {kid!r} is not in the keyring",
            keyring="dir",
        )
    yield Case(
        "kid-dir-other-key-signed",
        "directory keyring trusts example; the token names example but the "
        "other key signed it",
        jws(signer=signer),
        "BadSignature",
        "token signature does not verify",
        keyring="dir",
    )


def _signature_cases() -> Iterator[Case]:
    head, payload, signature = segments(VALID)
    raw = base64.urlsafe_b64decode(signature + "==")
    does_not_verify = "token signature does not verify"
    tampered_header = dumps(header(typ="JWU"))
    tampered_payload = dumps(claims()).replace(b'"user_limit":150', b'"user_limit":950')
    flipped = raw[:10] + bytes([raw[10] ^ 0x01]) + raw[11:]
    order = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(raw[32:], "little") + order
    malleated = raw[:32] + s.to_bytes(32, "little")
    other_valid = jws(payload=claims(account_id="0015e00000OTHER"))
    for name, description, token in (
        (
            "header-tampered-one-byte",
            "typ JWT -> JWU, original signature",
            f"{b64(tampered_header)}.{payload}.{signature}",
        ),
        (
            "payload-tampered-one-byte",
            "user_limit 150 -> 950, original signature",
            f"{head}.{b64(tampered_payload)}.{signature}",
        ),
        (
            "signature-tampered-one-byte",
            "one bit of the signature flipped",
            with_segment(VALID, 2, b64(flipped)),
        ),
        (
            "signature-truncated",
            "signature of 63 bytes",
            with_segment(VALID, 2, b64(raw[:63])),
        ),
        (
            "signature-extended",
            "signature of 65 bytes",
            with_segment(VALID, 2, b64(raw + b"\x00")),
        ),
        ("signature-zeros", "64 zero bytes", with_segment(VALID, 2, b64(bytes(64)))),
        (
            "signature-malleated-s-plus-l",
            "S replaced by S + L (the group order): the same signature to a lax "
            "verifier, refused by a strict one",
            with_segment(VALID, 2, b64(malleated)),
        ),
        (
            "signature-from-other-license",
            "a valid signature of another license",
            with_segment(VALID, 2, segments(other_valid)[2]),
        ),
        (
            "signature-other-key-trusted-kid",
            "a valid Ed25519 signature by the other test key under kid example",
            jws(signer=ed25519(OTHER)),
        ),
        (
            "embedded-jwk-ignored",
            "the header carries the other key as a jwk and the other key signed it; "
            "embedded keys are never trusted",
            jws(
                header(jwk={"kty": "OKP", "crv": "Ed25519", "x": _other_x()}),
                signer=ed25519(OTHER),
            ),
        ),
        (
            "crit-unknown-extension",
            "validly signed, but the header marks an unknown extension critical; "
            "the signature check refuses it, so it reads as one",
            jws(header(crit=["x-licensesmith-seats"], **{"x-licensesmith-seats": 1})),
        ),
        (
            "b64-false-unencoded-payload",
            "RFC 7797 b64 false: the verifier never reads unencoded payloads",
            jws(header(b64=False, crit=["b64"])),
        ),
    ):
        yield Case(name, description, token, "BadSignature", does_not_verify)
    yield Case(
        "example-signed-kid-other-trusted",
        "the keyring trusts only the other key, as kid other; the example key "
        "signed a token naming kid other",
        jws(header(kid="other")),
        "BadSignature",
        does_not_verify,
        keyring={"other": _public_pem("other")},
    )


def _other_x() -> str:
    public = OTHER.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return b64(public)


def _structure_cases() -> Iterator[Case]:
    head, payload, signature = segments(VALID)
    for name, token, count in (
        ("segments-one", head, 1),
        ("segments-two", f"{head}.{payload}", 2),
        ("segments-four", f"{VALID}.{signature}", 4),
        ("segments-four-trailing-dot", f"{VALID}.", 4),
        (
            "segments-five-jwe-shaped",
            f"{head}.{payload}.{signature}.{head}.{payload}",
            5,
        ),
        ("segments-only-dots", "..", 3),
    ):
        contains = (
            f"token has {count} segments; a license has three"
            if count != 3
            else "token header is not valid unpadded base64url"
        )
        yield Case(
            name, f"{count} dot-separated segments", token, "MalformedToken", contains
        )
    yield Case(
        "empty-token",
        "an empty file (the CLI says so before parsing; the API sees one empty "
        "segment)",
        "",
        "MalformedToken",
        "token has 1 segments; a license has three",
        cli_contains="the file is empty; expected a license token",
    )
    over = MAX_TOKEN_BYTES + 1
    yield Case(
        "oversize-junk",
        f"{over} bytes of base64url letters: refused on length alone",
        "A" * over,
        "MalformedToken",
        f"token is {over} bytes, over the 16384-byte limit",
    )
    padded = jws(payload=claims(padding="x" * 13000))
    yield Case(
        "oversize-validly-signed",
        "a correctly signed license padded past the size limit: refused before "
        "anything is decoded or verified",
        padded,
        "MalformedToken",
        f"token is {len(padded)} bytes, over the 16384-byte limit",
    )
    depth = 12000
    nested = jws(payload=b"[" * depth + b"]" * depth)
    yield Case(
        "payload-nested-12000-arrays-over-limit",
        "12000 nested arrays: too big already, refused by size",
        nested,
        "MalformedToken",
        "over the 16384-byte limit",
    )


def _base64_cases() -> Iterator[Case]:
    head, payload, signature = segments(VALID)
    odd_token = jws(payload=claims(account_id="0015e00000HOSTILE1"))
    assert len(segments(odd_token)[1]) % 4 != 0 and len(head) % 4 != 0
    standard = signature.replace("-", "+").replace("_", "/")
    assert standard != signature
    token_for = {
        "header-padded": f"{head}==.{payload}.{signature}",
        "payload-padded": _padded_payload(odd_token),
        "signature-padded": f"{VALID}==",
        "signature-standard-alphabet": with_segment(VALID, 2, standard),
        "header-star-character": f"{head[:5]}*{head[6:]}.{payload}.{signature}",
        "payload-percent-escape": f"{head}.{payload[:8]}%41{payload[11:]}.{signature}",
        "payload-space-inside": f"{head}.{payload[:20]} {payload[20:]}.{signature}",
        "signature-newline-inside": with_segment(
            VALID, 2, f"{signature[:40]}\n{signature[40:]}"
        ),
        "header-tab-inside": f"{head[:10]}\t{head[10:]}.{payload}.{signature}",
        "signature-length-mod-4-is-1": f"{VALID}AAA",
        "signature-non-canonical-last-char": with_segment(
            VALID, 2, signature[:-1] + _noncanonical(signature[-1])
        ),
        "header-non-canonical-last-char": f"{head[:-1]}{_noncanonical(head[-1])}"
        f".{payload}.{signature}",
    }
    where = {
        "header": "header",
        "payload": "payload",
        "signature": "signature",
    }
    for name, token in token_for.items():
        part = where[name.split("-")[0]]
        yield Case(
            name,
            f"{name.replace('-', ' ')}: base64url must be unpadded, URL-safe, "
            "without whitespace and canonical",
            token,
            "MalformedToken",
            f"token {part} is not valid unpadded base64url",
        )


def _padded_payload(token: str) -> str:
    head, payload, signature = segments(token)
    return f"{head}.{payload}{'=' * (-len(payload) % 4)}.{signature}"


def _noncanonical(char: str) -> str:
    """The same decoded bytes, but with a trailing bit the encoder leaves 0."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return alphabet[alphabet.index(char) | 1]


def _json_cases() -> Iterator[Case]:
    body = dumps(claims())
    items: list[tuple[str, str, bytes, bytes, str]] = [
        (
            "header-not-json",
            "header bytes are prose",
            b"not json",
            body,
            "token header is not valid JSON",
        ),
        (
            "header-not-utf8",
            "header bytes are not UTF-8",
            b'\xff{"alg":"EdDSA"}',
            body,
            "token header is not valid JSON",
        ),
        (
            "header-json-array",
            "header is a JSON array",
            b'["EdDSA","example"]',
            body,
            "token header is not a JSON object",
        ),
        (
            "payload-not-json",
            "payload bytes are prose",
            dumps(HEADER),
            b"seats=150",
            "token payload is not valid JSON",
        ),
        (
            "payload-utf8-bom",
            "payload starts with a byte order mark",
            dumps(HEADER),
            b"\xef\xbb\xbf" + body,
            "token payload is not valid JSON",
        ),
        (
            "payload-trailing-data",
            "a JSON object followed by more bytes",
            dumps(HEADER),
            body + b"{}",
            "token payload is not valid JSON",
        ),
        (
            "payload-json-array",
            "payload is a JSON array",
            dumps(HEADER),
            dumps([claims()]),
            "token payload is not a JSON object",
        ),
        (
            "payload-json-string",
            "payload is a JSON string",
            dumps(HEADER),
            dumps("premium"),
            "token payload is not a JSON object",
        ),
        (
            "payload-json-number",
            "payload is a JSON number",
            dumps(HEADER),
            b"3",
            "token payload is not a JSON object",
        ),
        (
            "payload-json-null",
            "payload is JSON null",
            dumps(HEADER),
            b"null",
            "token payload is not a JSON object",
        ),
        (
            "payload-nested-5000-arrays",
            "5000 nested arrays, under the size limit",
            dumps(HEADER),
            b"[" * 5000 + b"]" * 5000,
            "token payload is nested too deeply",
        ),
        (
            "payload-nested-1500-objects-in-claim",
            "a valid-looking license whose extra claim nests 1500 objects",
            dumps(HEADER),
            body[:-1] + b',"x":' + b'{"a":' * 1500 + b"1" + b"}" * 1501,
            "token payload is nested too deeply",
        ),
        (
            "header-nested-3000-arrays",
            "the header nests 3000 arrays",
            dumps(HEADER)[:-1] + b',"x":' + b"[" * 3000 + b"]" * 3000 + b"}",
            body,
            "token header is nested too deeply",
        ),
        (
            "payload-nan-exp",
            "exp is NaN, which JSON does not have",
            dumps(HEADER),
            body.replace(b'"exp":' + str(NOW + 385 * DAY).encode(), b'"exp":NaN'),
            "NaN is not a JSON number",
        ),
        (
            "payload-infinity-feature",
            "a feature value of Infinity",
            dumps(HEADER),
            body.replace(b'"user_limit":150', b'"user_limit":Infinity'),
            "Infinity is not a JSON number",
        ),
        (
            "payload-negative-infinity-iat",
            "iat is -Infinity",
            dumps(HEADER),
            body.replace(b'"iat":' + str(NOW - 10 * DAY).encode(), b'"iat":-Infinity'),
            "-Infinity is not a JSON number",
        ),
        (
            "header-duplicate-alg",
            "alg none, then alg EdDSA: a parser keeping the "
            "first member would see none",
            b'{"alg":"none","alg":"EdDSA","kid":"example"}',
            body,
            "duplicate member 'alg'",
        ),
        (
            "header-duplicate-kid",
            "kid other, then kid example",
            b'{"alg":"EdDSA","kid":"other","kid":"example"}',
            body,
            "duplicate member 'kid'",
        ),
        (
            "payload-duplicate-exp",
            "exp a day ago, then exp in a year",
            dumps(HEADER),
            body[:-1] + b',"exp":' + str(NOW - DAY).encode() + b"}",
            "duplicate member 'exp'",
        ),
        (
            "payload-duplicate-account-id",
            "two account ids",
            dumps(HEADER),
            body[:-1] + b',"account_id":"0015e00000OTHER"}',
            "duplicate member 'account_id'",
        ),
        (
            "payload-duplicate-feature",
            "user_limit 150, then 99999 inside features",
            dumps(HEADER),
            body.replace(b'"user_limit":150', b'"user_limit":150,"user_limit":99999'),
            "duplicate member 'user_limit'",
        ),
    ]
    half = "half a surrogate pair"
    items += [
        (
            "payload-lone-surrogate-account-id",
            "account_id holds a lone \\ud800",
            dumps(HEADER),
            dumps(claims(account_id="0015e\ud800")),
            half,
        ),
        (
            "payload-lone-surrogate-feature-name",
            "a feature name ends in a lone \\udc00",
            dumps(HEADER),
            dumps(claims(features={"user_limit\udc00": 1})),
            half,
        ),
        (
            "header-lone-surrogate-kid",
            "kid is a lone \\udfff",
            dumps(header(kid="\udfff")),
            body,
            half,
        ),
    ]
    for name, description, head, payload, contains in items:
        assert head != dumps(HEADER) or payload != body, name
        yield Case(
            name,
            f"{description} (validly signed by the example key)",
            jws(head, payload),
            "MalformedToken",
            contains,
        )


def _numeric_date_cases() -> Iterator[Case]:
    base = claims()
    for name in ("exp", "nbf", "iat", "license_expires"):
        value = base[name]
        for label, bad in (
            ("string", str(value)),
            ("fraction", value + 0.5),
            ("integral-float", float(value)),
            ("true", True),
            ("null", None),
            ("1e30-integer", 10**30),
            ("2-pow-70", 2**70),
            ("negative", -1),
        ):
            yield Case(
                f"{name.replace('_', '-')}-{label}",
                f"{name} is {bad!r}: NumericDates are whole seconds in range",
                jws(payload=claims(**{name: bad})),
                "InvalidClaim",
                f"claim {name}: ",
            )
        yield Case(
            f"{name.replace('_', '-')}-overflowing-float",
            f"{name} is 1e400, which a JSON parser reads as infinity",
            jws(payload=dumps(claims(**{name: "@"})).replace(b'"@"', b"1e400")),
            "InvalidClaim",
            f"claim {name}: inf is not a NumericDate",
        )
        yield Case(
            f"{name.replace('_', '-')}-missing",
            f"no {name} claim",
            jws(payload=claims(**{name: DROP})),
            "InvalidClaim",
            f"claim {name}: is missing",
        )


def _type_cases() -> Iterator[Case]:
    features = claims()["features"]
    for label, value, contains in (
        ("string", "150", "'150' is not an integer"),
        ("integral-float", 150.0, "150.0 is not an integer"),
        ("fraction", 1.5, "1.5 is not an integer"),
        ("true", True, "True is not an integer"),
        ("null", None, "None is not an integer"),
        ("list", [150], "[150] is not an integer"),
        ("2-pow-63", 2**63, f"{2**63} is outside int64"),
        ("below-int64", -(2**63) - 1, f"{-(2**63) - 1} is outside int64"),
        ("2-pow-64", 2**64, f"{2**64} is outside int64"),
    ):
        yield Case(
            f"feature-{label}",
            f"features.user_limit is {value!r}: feature values are int64",
            jws(payload=claims(features={**features, "user_limit": value})),
            "InvalidClaim",
            f"claim features.user_limit: {contains}",
        )
    yield Case(
        "feature-name-with-newline",
        "a feature name with a newline and a bad value: the error stays one line",
        jws(payload=claims(features={"user\nlimit": "x"})),
        "InvalidClaim",
        "claim features.'user\\nlimit': 'x' is not an integer",
    )
    for label, value in (
        ("list", [["user_limit", 150]]),
        ("string", "user_limit=150"),
        ("null", None),
    ):
        yield Case(
            f"features-{label}",
            f"features is {value!r}, not an object",
            jws(payload=claims(features=value)),
            "InvalidClaim",
            "claim features: is not an object of name to integer",
        )
    for name, value in (
        ("trial", "false"),
        ("trial", 0),
        ("all_features", 1),
        ("require_telemetry", "yes"),
        ("publish_usage_data", None),
    ):
        yield Case(
            f"{name.replace('_', '-')}-{type(value).__name__.lower()}",
            f"{name} is {value!r}, not a boolean",
            jws(payload=claims(**{name: value})),
            "InvalidClaim",
            f"claim {name}: {value!r} is not a boolean",
        )
    for name, value in (
        ("deployment_ids", "dep-1"),
        ("deployment_ids", [1]),
        ("addons", {"sso": True}),
    ):
        yield Case(
            f"{name.replace('_', '-')}-{type(value).__name__}",
            f"{name} is {value!r}, not a list of strings",
            jws(payload=claims(**{name: value})),
            "InvalidClaim",
            f"claim {name}: is not a list of strings",
        )
    for name, value in (("jti", 12345), ("feature_set", ["premium"])):
        yield Case(
            f"{name.replace('_', '-')}-not-string",
            f"{name} is {value!r}, not a string",
            jws(payload=claims(**{name: value})),
            "InvalidClaim",
            f"claim {name}: {value!r} is not a string",
        )


def _claim_cases() -> Iterator[Case]:
    for label, value in (
        ("missing", DROP),
        ("2", 2),
        ("4", 4),
        ("string", "3"),
        ("float", 3.0),
        ("true", True),
    ):
        shown = None if value is DROP else value
        yield Case(
            f"version-{label}",
            f"version is {'absent' if value is DROP else repr(value)}; it must be "
            "the integer 3",
            jws(payload=claims(version=value)),
            "InvalidClaim",
            f"claim version: {shown!r} is not 3",
        )
    yield Case(
        "license-expires-beyond-five-years",
        "license_expires one second past 5 x 365 days from now",
        jws(
            payload=claims(
                license_expires=NOW + 5 * 365 * DAY + 1, exp=NOW + 5 * 365 * DAY + 1
            )
        ),
        "InvalidClaim",
        "claim license_expires: 2032-02-28T12:00:01Z is more than 5 x 365 days",
    )
    for name, value in (
        ("account_id", ""),
        ("account_id", DROP),
        ("account_id", 42),
        ("account_id", None),
        ("account_type", ""),
        ("account_type", DROP),
    ):
        label = {"": "empty", 42: "number", None: "null"}.get(value, "missing")
        yield Case(
            f"{name.replace('_', '-')}-{label}",
            f"{name} is {'absent' if value is DROP else repr(value)}",
            jws(payload=claims(**{name: value})),
            "InvalidClaim",
            f"claim {name}: must be a non-empty string",
        )


def _time_cases() -> Iterator[Case]:
    yield Case(
        "expired",
        "grace ended a day ago",
        jws(payload=claims(license_expires=NOW - 31 * DAY, exp=NOW - DAY)),
        "Expired",
        "license expired at 2027-02-28T12:00:00Z",
    )
    yield Case(
        "expired-exactly-at-exp",
        "exp equals now: at exp itself the license has expired",
        jws(payload=claims(license_expires=NOW - 30 * DAY, exp=NOW)),
        "Expired",
        "license expired at 2027-03-01T12:00:00Z",
    )
    yield Case(
        "issued-in-future",
        "iat an hour after now, nbf in the past",
        jws(payload=claims(iat=NOW + 3600)),
        "IssuedInFuture",
        "license is issued at 2027-03-01T13:00:00Z, after the current time",
    )
    yield Case(
        "exp-before-nbf-not-yet-valid",
        "nbf in 10 days, exp in 5: not yet valid, and no license is kept",
        jws(
            payload=claims(
                nbf=NOW + 10 * DAY, license_expires=NOW + 5 * DAY, exp=NOW + 5 * DAY
            )
        ),
        "NotYetValid",
        "license is not yet valid: its term starts at 2027-03-11T12:00:00Z",
        license_dropped=True,
    )
    yield Case(
        "exp-before-nbf-both-past",
        "nbf a day ago, exp two days ago: expiry is reported",
        jws(
            payload=claims(
                nbf=NOW - DAY, license_expires=NOW - 2 * DAY, exp=NOW - 2 * DAY
            )
        ),
        "Expired",
        "license expired at 2027-02-27T12:00:00Z",
    )
    yield Case(
        "exp-before-nbf-within-leeway",
        "with 300 s leeway neither time check fires, so nbf after exp is caught",
        jws(payload=claims(nbf=NOW + 100, license_expires=NOW + 50, exp=NOW + 50)),
        "InvalidClaim",
        "claim nbf: is after exp",
        leeway=300,
    )


def _order_cases() -> Iterator[Case]:
    bad_signature = with_segment(
        jws(payload=claims(license_expires=NOW - 31 * DAY, exp=NOW - DAY)),
        2,
        segments(VALID)[2],
    )
    yield Case(
        "order-alg-none-and-unknown-kid",
        "alg none and an unknown kid: step 2 comes first",
        jws(header(alg="none", kid="retired-2024")),
        "UnsupportedAlgorithm",
        "token algorithm 'none' is not accepted",
    )
    yield Case(
        "order-unknown-kid-and-bad-signature",
        "unknown kid and a signature by the other key: step 3 comes first",
        jws(header(kid="retired-2024"), signer=ed25519(OTHER)),
        "UnknownKey",
        "token kid 'retired-2024' is not in the keyring",
    )
    yield Case(
        "order-bad-signature-and-expired",
        "an expired license with a signature that does not match: step 4 first",
        bad_signature,
        "BadSignature",
        "token signature does not verify",
    )
    yield Case(
        "order-padding-and-alg-none",
        "alg none and a padded signature: step 1 comes first",
        with_segment(jws(header(alg="none")), 2, segments(VALID)[2] + "=="),
        "MalformedToken",
        "token signature is not valid unpadded base64url",
    )
    yield Case(
        "order-not-yet-valid-and-version-2",
        "a renewal starting in 10 days that is also version 2: not yet valid, "
        "with no license kept",
        jws(payload=claims(nbf=NOW + 10 * DAY, version=2)),
        "NotYetValid",
        "license is not yet valid: its term starts at 2027-03-11T12:00:00Z",
        license_dropped=True,
    )


def build_cases() -> list[dict[str, Any]]:
    groups = (
        _algorithm_cases,
        _kid_cases,
        _signature_cases,
        _structure_cases,
        _base64_cases,
        _json_cases,
        _numeric_date_cases,
        _type_cases,
        _claim_cases,
        _time_cases,
        _order_cases,
    )
    cases = [case.to_json() for group in groups for case in group()]
    names = [case["name"] for case in cases]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"case names used twice: {duplicates}"
    return cases


def render(case: dict[str, Any]) -> str:
    return json.dumps(case, indent=2) + "\n"


def main() -> None:
    HOSTILE.mkdir(exist_ok=True)
    cases = build_cases()
    for stale in HOSTILE.glob("*.json"):
        stale.unlink()
    for case in cases:
        (HOSTILE / f"{case['name']}.json").write_text(render(case))
    print(f"wrote {len(cases)} cases to {HOSTILE}")


if __name__ == "__main__":
    main()
