"""``entitlements``: several licenses merged as the product merges them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from ._common import json_option, now_option, user_errors
from ._facts import deployment_options, facts_from_options
from ._output import announce_example_key, print_json, read_token
from .verifying import KEYRING_HELP


@click.command()
@click.argument("licenses", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--keyring", required=True, type=click.Path(exists=True), help=KEYRING_HELP
)
@deployment_options
@now_option
@json_option
@user_errors
def entitlements_command(
    licenses: tuple[str, ...],
    keyring: str,
    now: datetime,
    as_json: bool,
    **deployment: Any,
) -> None:
    """Merge license files into the customer's entitlements (SPEC 5 and 6).

    With no license at all, shows what an unlicensed deployment gets. Exits 1
    when the product would report an error (an invalid license, a feature in
    use that no license grants), 0 otherwise, warnings included.

    Example: licensesmith entitlements acme.jwt --keyring keys.example/keyring.json
    --active-users 120 --managed-agents 40
    """
    from verifier import (
        compute_entitlements,
        default_catalogue,
        entitlements_to_json,
        load_keyring,
    )

    from ._tables import render_entitlements

    trusted = load_keyring(keyring)
    facts, leeway = facts_from_options(**deployment)
    tokens = [(path, read_token(path)) for path in licenses]
    result = compute_entitlements(
        tokens, now=now, keyring=trusted, facts=facts, leeway=leeway
    )

    for report in result.licenses:
        if report.signed_with_example_key:
            announce_example_key(report.id)
    if as_json:
        print_json(entitlements_to_json(result))
    else:
        click.echo(render_entitlements(result, default_catalogue()))
    if result.errors:
        raise SystemExit(1)
