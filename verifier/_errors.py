"""Every way a license can fail, as one exception tree.

The CLI prints ``str(error)``: one line, stable wording, nothing that helps a
forger (a bad signature says only that the signature does not verify).
"""

from __future__ import annotations


class LicenseError(Exception):
    """Base of everything the verifier raises about a token."""

    #: Short, stable identifier of the failure, for machines and tests.
    code = "invalid"


class MalformedToken(LicenseError):
    """Step 1: not three base64url segments of JSON objects."""

    code = "malformed"


class UnsupportedAlgorithm(LicenseError):
    """Step 2: the header names an algorithm other than EdDSA."""

    code = "algorithm"


class UnknownKey(LicenseError):
    """Step 3: the ``kid`` is missing, not a string, or not in the keyring."""

    code = "unknown_key"


class BadSignature(LicenseError):
    """Step 4: the signature does not verify with the key named by ``kid``."""

    code = "signature"


class Expired(LicenseError):
    """Step 5: ``now`` is at or after ``exp``."""

    code = "expired"


class IssuedInFuture(LicenseError):
    """Step 5: ``iat`` is after ``now``."""

    code = "issued_in_future"


class InvalidClaim(LicenseError):
    """Steps 5, 7 and 8: a claim is missing, of the wrong type or out of range.

    ``claim`` names the claim at fault (``features.user_limit`` for a feature).
    """

    code = "claim"

    def __init__(self, claim: str, reason: str) -> None:
        super().__init__(f"claim {claim}: {reason}")
        self.claim = claim
        self.reason = reason


class NotYetValid(LicenseError):
    """Step 6: ``nbf`` is after ``now``. Not an error in a merge: a renewal.

    ``license`` holds the verified claims when nothing but the start date
    failed; it is ``None`` when another check failed too, and then the merge
    ignores the token entirely.
    """

    code = "not_yet_valid"

    def __init__(self, message: str, license: object | None = None) -> None:
        super().__init__(message)
        self.license = license


class KeyringError(Exception):
    """A keyring file or directory cannot be read as Ed25519 public keys."""


class CatalogueError(Exception):
    """The feature catalogue data file is inconsistent."""
