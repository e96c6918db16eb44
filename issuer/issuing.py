"""Issue one license: compile, sign, verify the round trip, record, write.

Nothing reaches the disk until the signed token has been read back through
the verifier with the public half of the key and found to say exactly what
was compiled, and the product's merge rules accept it. The ledger record is
committed before the license file is written, so every file on disk has one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier import (
    Entitlements,
    Keyring,
    KeyringError,
    License,
    NotYetValid,
    load_keyring,
    merge_verified,
    raw_public_bytes,
    verify_license,
)

from .errors import IssuerError, OutputExists
from .files import write_atomic
from .signing import sign_claims

if TYPE_CHECKING:
    from .compiler import Compiled
    from .keys import SigningKey
    from .ledger import Ledger


@dataclass(frozen=True)
class Signed:
    """A token that has passed the round trip, not yet recorded or written."""

    compiled: Compiled
    token: str
    license: License
    entitlements: Entitlements

    @property
    def token_sha256(self) -> str:
        return hashlib.sha256(self.token.encode("ascii")).hexdigest()


class RoundTripError(IssuerError):
    """The signed token does not read back as what was compiled."""


def sign_and_check(compiled: Compiled, key: SigningKey, now: datetime) -> Signed:
    """Sign, then verify with the public half and the merge rules."""
    token = sign_claims(compiled.claims, key)
    keyring = Keyring({key.kid: key.public_key})

    license = _read_back(token, keyring, now)
    if license.claims != compiled.claims:
        raise RoundTripError(
            "the signed license does not read back as the compiled claims; "
            "nothing was written"
        )

    # A license that starts later is judged as it will be on its first day.
    # Its signature was verified just above: the merge judges its claims
    # again at that day without paying for the signature a second time.
    at = max(now, datetime.fromtimestamp(license.nbf, now.tzinfo))
    entitlements = merge_verified([("1", license)], now=at)
    if entitlements.errors:
        raise RoundTripError(
            "the product would report: " + "; ".join(entitlements.errors)
        )
    return Signed(compiled, token, license, entitlements)


def _read_back(token: str, keyring: Keyring, now: datetime) -> License:
    try:
        return verify_license(token, keyring, now)
    except NotYetValid as pending:
        # A renewal starts later; every other check must still have passed.
        if isinstance(pending.license, License):
            return pending.license
        raise RoundTripError(
            f"the signed license fails verification: {pending}"
        ) from None


def check_output_free(out: Path | None, force: bool) -> None:
    """Refuse before signing, not after, an output that cannot be written."""
    if out is None:
        return
    if out.is_dir():
        raise OutputExists(f"{out} is a folder; give --out a file name")
    if os.path.lexists(out) and (out.is_symlink() or not out.is_file()):
        # --force replaces a license file, never a device, pipe or link.
        raise OutputExists(f"{out} is not a regular file; give --out a file name")
    # lexists: a dangling symbolic link is in the way too.
    if os.path.lexists(out) and not force:
        raise OutputExists(
            f"{out} already exists; choose another --out or add --force to replace it"
        )
    folder = out.parent
    if not folder.is_dir():
        raise IssuerError(
            f"{out}: the folder {folder} does not exist; create it or choose "
            "another --out"
        )


def check_published_key(key: SigningKey) -> str | None:
    """Refuse a key whose published public half says otherwise.

    A license signed under a ``kid`` verifies only where the keyring maps that
    kid to this key's public half. The key folder's ``<kid>.pub`` (or its
    ``keyring.json``) is what gets published, so a mismatch there means the
    product will reject the license: refuse before signing. Returns a warning
    when nothing beside the key says which public key the kid stands for.
    """
    published = _published_public_key(key)
    if published is None:
        return (
            f"no {key.kid}.pub beside {key.path}: make sure the product's keyring "
            f"trusts kid {key.kid!r} with this key's public half"
        )
    if not _same_key(published, key.public_key):
        raise IssuerError(
            f"{key.path}: the published public key for kid {key.kid!r} beside it "
            "is a different key, so the product would reject this license; "
            "check --key and --kid"
        )
    return None


def _published_public_key(key: SigningKey) -> Any:
    folder = key.path.parent
    try:
        ring = load_keyring(folder) if any(folder.glob("*.pub")) else None
        if ring is None and (folder / "keyring.json").is_file():
            ring = load_keyring(folder / "keyring.json")
    except KeyringError as error:
        raise IssuerError(f"{folder}: cannot read its public keys: {error}") from None
    if ring is None:
        return None
    if key.kid not in ring:
        raise IssuerError(
            f"{folder} publishes no public key for kid {key.kid!r} (it has "
            f"{', '.join(sorted(ring)) or 'none'}), so the product would reject "
            "this license; check --key and --kid"
        )
    return ring[key.kid]


def _same_key(left: Any, right: Any) -> bool:
    return raw_public_bytes(left) == raw_public_bytes(right)


def record_and_write(
    signed: Signed,
    key: SigningKey,
    ledger: Ledger | None,
    out: Path | None,
    *,
    now: datetime,
    force: bool = False,
) -> None:
    """Ledger first (one transaction), then the file, atomically."""
    if ledger is not None:
        ledger.record(ledger_entry(signed, key, out, now))
    if out is None:
        return
    try:
        write_atomic(out, signed.token.encode("ascii") + b"\n", overwrite=force)
    except (OSError, IssuerError) as error:
        if ledger is None:
            raise
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise IssuerError(
            f"license {signed.license.jti} is recorded in the ledger but {out} "
            f"could not be written ({reason}); its token is in "
            "`licensesmith ledger export --format json`"
        ) from None


def ledger_entry(signed: Signed, key: SigningKey, out: Path | None, now: datetime):  # type: ignore[no-untyped-def]
    from .ledger import new_entry

    compiled = signed.compiled
    return new_entry(
        claims=compiled.claims,
        token=signed.token,
        kid=key.kid,
        example_key=key.is_example,
        template_name=compiled.template_name,
        template_sha256=compiled.template_sha256,
        order_path=str(compiled.order_path) if compiled.order_path else None,
        order_sha256=compiled.order_sha256,
        output_path=str(out) if out else None,
        now=now,
    )


def claims_json(claims: dict) -> str:  # type: ignore[type-arg]
    return json.dumps(claims, indent=2)
