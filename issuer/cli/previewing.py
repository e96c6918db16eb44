"""``licensesmith preview``: what a new license changes before it ships."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from verifier import LicenseError, load_keyring

from ..preview import Preview, preview_license, preview_to_json, render_preview
from ._common import fail, json_option, now_option, user_errors
from ._facts import deployment_options, facts_from_options
from ._output import announce_example_key, read_token

_LICENSE_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("preview")
@click.argument("new", type=_LICENSE_FILE)
@click.option(
    "--with",
    "existing",
    multiple=True,
    type=_LICENSE_FILE,
    metavar="EXISTING",
    help="A license the customer already has (repeatable).",
)
@click.option(
    "--keyring",
    "keyring_path",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Trusted public keys: a keyring.json or a directory of <kid>.pub files.",
)
@deployment_options
@now_option
@json_option
@click.option(
    "--accept-downgrade",
    is_flag=True,
    help="Exit 0 even when the new license makes something worse.",
)
@user_errors
def preview_command(
    new: Path,
    existing: Sequence[Path],
    keyring_path: Path,
    now: datetime,
    as_json: bool,
    accept_downgrade: bool,
    **deployment: Any,
) -> None:
    """Show what adding NEW to the customer's EXISTING licenses changes.

    Merges the licenses without and with NEW, as the product would, and lists
    every feature whose entitlement, enablement, limits or usage period
    changes, plus new warnings and errors. A change for the worse is marked
    DOWNGRADE and makes the exit code 1 unless --accept-downgrade is given. A
    renewal that is not yet valid is compared as of the day it starts. What
    gets worse once the EXISTING licenses NEW outlives have lapsed is flagged
    too, with that day. An EXISTING license that does not verify is refused.

    Example: licensesmith preview renewal.jwt --with current.jwt
    --keyring keys.example/keyring.json --now 2026-12-20T00:00:00Z
    """
    keyring = load_keyring(keyring_path)
    facts, leeway = facts_from_options(**deployment)
    others = [(str(path), read_token(path)) for path in existing]
    try:
        preview = preview_license(
            (str(new), read_token(new)),
            others,
            now=now,
            keyring=keyring,
            facts=facts,
            leeway=leeway,
        )
    except LicenseError as error:
        fail(f"{new} is not a valid license: {error}")

    for report in preview.after.licenses:
        if report.signed_with_example_key:
            announce_example_key(report.id)
    if as_json:
        click.echo(json.dumps(preview_to_json(preview), indent=2))
    else:
        click.echo(_describe_inputs(new, existing))
        click.echo(render_preview(preview), nl=False)
    _exit_for_downgrades(preview, accept_downgrade)


def _describe_inputs(new: Path, existing: Sequence[Path]) -> str:
    beside = ", ".join(str(path) for path in existing) or "no other license"
    return f"Adding {new} to {beside}."


def _exit_for_downgrades(preview: Preview, accepted: bool) -> None:
    count = len(preview.downgrades)
    if not count:
        return
    things = "thing" if count == 1 else "things"
    if accepted:
        click.echo(
            f"note: {count} downgrade(s) accepted (--accept-downgrade)", err=True
        )
        return
    fail(
        f"the new license makes {count} {things} worse (marked DOWNGRADE); if that "
        "is intended, run again with --accept-downgrade"
    )
