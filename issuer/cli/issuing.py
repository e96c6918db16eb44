"""``issue``: compile, show, confirm, sign, verify, record, write."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ..errors import IssuerError
from . import _common
from ._common import json_option, now_option, user_errors
from ._output import announce_example_key, print_json
from .compiling import compile_from_options, order_arguments, summary_text

PASSPHRASE_ENV = "LICENSESMITH_KEY_PASSPHRASE"


def key_options(func: Any) -> Any:
    decorators = [
        click.option(
            "--key",
            "key_path",
            required=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help=f"Private key (PKCS#8 PEM); an encrypted one reads its passphrase "
            f"from ${PASSPHRASE_ENV} or asks.",
        ),
        click.option("--kid", help="Key id (default: the key file's name)."),
        click.option(
            "--allow-insecure-key-file",
            is_flag=True,
            help="UNSAFE: load a private key that other users can read.",
        ),
        click.option(
            "--ledger",
            "ledger_path",
            type=click.Path(path_type=Path),
            help="Ledger file (default: $LICENSESMITH_LEDGER, else a per-user file).",
        ),
        click.option("--yes", is_flag=True, help="Do not ask before signing."),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Do everything but sign, record and write.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def load_key(key_path: Path, kid: str | None, allow_insecure: bool) -> Any:
    """The signing key, checked against the public key published beside it."""
    from ..issuing import check_published_key
    from ..keys import load_signing_key

    prompt = None
    if _common.interactive():

        def prompt() -> str:
            return str(click.prompt(f"Passphrase for {key_path}", hide_input=True))

    key = load_signing_key(
        key_path, kid=kid, prompt=prompt, allow_insecure=allow_insecure
    )
    if key.is_example:
        announce_example_key(str(key_path))
    warning = check_published_key(key)
    if warning:
        click.secho(f"warning: {warning}", err=True, fg="yellow")
    return key


def open_ledger(ledger_path: Path | None) -> Any:
    from ..ledger import Ledger, default_ledger_path

    return Ledger(ledger_path or default_ledger_path())


@click.command()
@order_arguments
@key_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the license here (default: print it on stdout).",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option(
    "--with",
    "existing",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="The customer's current licenses: refuse a downgrade (repeatable).",
)
@click.option(
    "--keyring",
    type=click.Path(exists=True),
    help="Keyring for the --with licenses.",
)
@click.option(
    "--accept-downgrade",
    is_flag=True,
    help="Issue even when --with shows the customer losing something.",
)
@now_option
@json_option
@user_errors
def issue_command(
    template: str,
    order: str | None,
    sets: tuple[str, ...],
    templates_dir: Path | None,
    key_path: Path,
    kid: str | None,
    allow_insecure_key_file: bool,
    ledger_path: Path | None,
    yes: bool,
    dry_run: bool,
    out: Path | None,
    force: bool,
    existing: tuple[str, ...],
    keyring: str | None,
    accept_downgrade: bool,
    now: datetime,
    as_json: bool,
) -> None:
    """Compile an order, sign it, verify it, record it in the ledger, write it.

    Shows a summary and, in a terminal, asks before signing (skip with --yes).
    TEMPLATE may be left out when the ORDER names its template.

    Example: licensesmith issue templates/premium.yaml examples/acme-premium.yaml
    --key keys.example/example.key --out acme.jwt
    """
    from ..issuing import check_output_free, record_and_write, sign_and_check

    compiled = compile_from_options(template, order, sets, templates_dir, now)
    check_output_free(out, force)
    key = load_key(key_path, kid, allow_insecure_key_file)
    click.echo(summary_text(compiled, key=key.kid, out=out), err=True)

    signed = None
    if existing:
        # The candidate is signed in memory only; nothing is kept unless accepted.
        signed = sign_and_check(compiled, key, now)
        _refuse_downgrade(signed.token, key, existing, keyring, now, accept_downgrade)
    if dry_run:
        click.echo("dry run: nothing signed, recorded or written", err=True)
        return
    if not yes and _common.interactive():
        click.confirm("Sign and record this license?", abort=True, err=True)

    signed = signed or sign_and_check(compiled, key, now)
    ledger = open_ledger(ledger_path)
    try:
        record_and_write(signed, key, ledger, out, now=now, force=force)
    finally:
        ledger.close()
    try:
        _report(signed, key, out, as_json)
    except OSError as error:
        if isinstance(error, BrokenPipeError):
            raise
        raise IssuerError(
            f"license {signed.license.jti} is recorded in the ledger but could not "
            f"be printed ({error.strerror}); its token is in "
            "`licensesmith ledger export --format json`"
        ) from None


def _refuse_downgrade(
    token: str,
    key: Any,
    existing: tuple[str, ...],
    keyring_path: str | None,
    now: datetime,
    accept: bool,
) -> None:
    """Compare the customer's entitlements without and with the new token."""
    from verifier import Keyring, load_keyring

    from ..errors import DowngradeRefused
    from ..preview import preview_license, render_preview
    from ._output import read_token

    if keyring_path is None:
        raise click.UsageError("--with needs --keyring to verify the current licenses")
    trusted = dict(load_keyring(keyring_path))
    trusted.setdefault(key.kid, key.public_key)
    ring = Keyring(trusted)
    current = [(path, read_token(path)) for path in existing]

    preview = preview_license(("new", token), current, now=now, keyring=ring)
    click.echo(render_preview(preview), err=True)
    if preview.downgrades and not accept:
        raise DowngradeRefused(
            "the new license is a downgrade for this customer (see above); "
            "nothing was issued; add --accept-downgrade if this is intended"
        )


def _report(signed: Any, key: Any, out: Path | None, as_json: bool) -> None:
    from verifier import format_time

    license = signed.license
    if as_json:
        print_json(
            {
                "jti": license.jti,
                "out": str(out) if out else None,
                "kid": key.kid,
                "example_key": key.is_example,
                "token_sha256": signed.token_sha256,
                "claims": license.claims,
                "token": signed.token,
            }
        )
        return
    if out is None:
        click.echo(signed.token)
        return
    click.echo(
        f"{out}: verified: {license.account_type}/{license.account_id}, "
        f"term {format_time(license.nbf)} to {format_time(license.license_expires)}, "
        f"grace until {format_time(license.exp)}, key {key.kid}, id {license.jti}"
    )
