"""``verify`` and ``inspect``: one license at a time, as the product reads it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from ._common import json_option, leeway_option, now_option, user_errors
from ._output import announce_example_key, print_json, read_token

KEYRING_HELP = "A keyring: a JSON file {kid: PEM} or a directory of <kid>.pub files."


def _verify_one(path: str, keyring: Any, now: datetime, leeway: int) -> dict[str, Any]:
    from verifier import LicenseError, NotYetValid, format_time, verify_license

    from ._output import UnreadableLicense

    try:
        license = verify_license(read_token(path), keyring, now, leeway)
    except NotYetValid as error:
        return {
            "file": path,
            "status": "not_yet_valid",
            "code": error.code,
            "message": str(error),
        }
    except UnreadableLicense as error:
        return {
            "file": path,
            "status": "invalid",
            "code": "unreadable",
            "message": error.reason,
        }
    except LicenseError as error:
        return {
            "file": path,
            "status": "invalid",
            "code": error.code,
            "message": str(error),
        }

    return {
        "file": path,
        "status": "valid",
        "kid": license.kid,
        "account": f"{license.account_type}/{license.account_id}",
        "term": [format_time(license.nbf), format_time(license.license_expires)],
        "grace_until": format_time(license.exp),
        "example_key": license.signed_with_example_key,
    }


def _describe(result: dict[str, Any]) -> str:
    if result["status"] == "not_yet_valid":
        return f"{result['file']}: {result['message']}"
    if result["status"] != "valid":
        return f"{result['file']}: {result['status']}: {result['message']}"
    start, end = result["term"]
    return (
        f"{result['file']}: valid: {result['account']}, term {start} to {end}, "
        f"grace until {result['grace_until']}, key {result['kid']}"
    )


@click.command()
@click.argument("licenses", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--keyring", required=True, type=click.Path(exists=True), help=KEYRING_HELP
)
@leeway_option
@now_option
@json_option
@user_errors
def verify_command(
    licenses: tuple[str, ...], keyring: str, leeway: int, now: datetime, as_json: bool
) -> None:
    """Check each license file as the product would (SPEC section 4).

    Exit code 0 only when every file is valid now; a license whose term has not
    started yet is reported as not yet valid and counts as not valid.

    Example: licensesmith verify acme.jwt --keyring keys.example/keyring.json
    """
    from verifier import load_keyring

    trusted = load_keyring(keyring)
    results = [_verify_one(path, trusted, now, leeway) for path in licenses]

    for result in results:
        if result.get("example_key"):
            announce_example_key(result["file"])
    if as_json:
        print_json(results)
    else:
        for result in results:
            click.echo(_describe(result), err=result["status"] != "valid")
    if any(result["status"] != "valid" for result in results):
        raise SystemExit(1)


@click.command()
@click.argument("license", type=click.Path(dir_okay=False))
@json_option
@user_errors
def inspect_command(license: str, as_json: bool) -> None:
    """Show a license's header and claims, decoded but NOT verified.

    Use it to read what a file says; use verify to know whether to trust it.

    Example: licensesmith inspect acme.jwt
    """
    from verifier import LicenseError, decode_unverified, is_signed_with_example_key

    from ..errors import IssuerError

    token = read_token(license)
    try:
        header, claims = decode_unverified(token)
    except LicenseError as error:
        raise IssuerError(f"{license}: {error}") from None
    if is_signed_with_example_key(token):
        announce_example_key(license)

    if as_json:
        print_json({"verified": False, "header": header, "claims": claims})
        return
    click.echo(f"{license}: UNVERIFIED (decoded only; run verify to check it)")
    click.echo("header:")
    for name, value in header.items():
        click.echo(f"  {name}: {_show_claim(name, value)}")
    click.echo("claims:")
    for name, value in claims.items():
        click.echo(f"  {name}: {_show_claim(name, value)}")


def _show_claim(name: str, value: Any) -> str:
    """JSON values, as the token holds them; NumericDates also as dates."""
    import json

    from verifier import format_time

    shown = json.dumps(value)
    if name in ("iat", "nbf", "license_expires", "exp") and type(value) is int:
        try:
            return f"{shown} ({format_time(value)})"
        except (OverflowError, OSError, ValueError):
            return shown
    return shown
