"""``keys``: generate, list and rotate the Ed25519 signing keys."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click

from ..errors import KeyFileError
from ..keys import (
    KEYRING_FILE,
    PASSPHRASE_ENV,
    KeyInfo,
    KeyPairFiles,
    generate_keypair,
    list_keys,
    rotate,
)
from . import _common
from ._common import json_option, now_option, user_errors
from ._output import print_json
from ._tables import table

ENCRYPT_HELP = (
    f"Encrypt the private key. The passphrase comes from {PASSPHRASE_ENV}, else "
    "it is asked for twice; it is never given as an option. Setting the "
    "variable implies --encrypt."
)


@click.group()
def keys() -> None:
    """Generate, list and rotate Ed25519 signing keys.

    A key directory holds <kid>.key (private, mode 0600) and <kid>.pub, and is
    itself a keyring for --keyring. See docs/keys.md.
    """


@keys.command("generate")
@click.option("--kid", required=True, help="Key id: 1-64 of A-Z a-z 0-9 . _ -")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the pair (created, owner-only, when missing).",
)
@click.option("--encrypt", is_flag=True, help=ENCRYPT_HELP)
@now_option
@user_errors
def generate_command(kid: str, out_dir: Path, encrypt: bool, now: datetime) -> None:
    """Create a new key pair and add its public key to DIR's keyring.

    Example: licensesmith keys generate --kid prod-2027 --out keys/
    """
    pair = generate_keypair(kid, out_dir, passphrase=_passphrase(encrypt), now=now)
    _report(pair)
    click.echo(
        f"Keep {pair.private_path.name} secret and backed up offline; ship "
        f"{pair.public_path.name} (or the keyring) with the product."
    )


@keys.command("list")
@click.argument("key_dir", type=click.Path(file_okay=False, path_type=Path))
@json_option
@user_errors
def list_command(key_dir: Path, as_json: bool) -> None:
    """Show each key of a directory: kid, fingerprint, created, private key present.

    Example: licensesmith keys list keys/
    """
    infos = list_keys(key_dir)
    if as_json:
        print_json([_info_json(info) for info in infos])
        return
    if not infos:
        click.echo(f"no keys in {key_dir}")
        return
    headers = ["KID", "FINGERPRINT", "CREATED", "PRIVATE KEY", "NOTE"]
    click.echo(table(headers, [_info_row(info) for info in infos]))


@keys.command("rotate")
@click.option(
    "--dir",
    "key_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The key directory holding the current key.",
)
@click.option("--kid", "new_kid", required=True, help="Key id of the new key.")
@click.option("--encrypt", is_flag=True, help=ENCRYPT_HELP)
@now_option
@user_errors
def rotate_command(key_dir: Path, new_kid: str, encrypt: bool, now: datetime) -> None:
    """Create the next key beside the current one, which stays trusted.

    Licenses signed with the old key keep verifying until its kid is removed
    from the keyring; the command prints how to retire it.

    Example: licensesmith keys rotate --dir keys/ --kid prod-2028
    """
    before = [info for info in list_keys(key_dir) if not info.is_example]
    pair = rotate(key_dir, new_kid, now=now, passphrase=_passphrase(encrypt))
    _report(pair)
    click.echo(f"Sign new licenses with --key {pair.private_path}.")
    for old in before:
        click.echo(
            f"Still trusted: {old.kid}. Once the licenses it signed have expired "
            f"(`licensesmith ledger list --kid {old.kid}`), retire it: "
            f"{_retirement(key_dir, old)}."
        )


def _retirement(key_dir: Path, old: KeyInfo) -> str:
    """How to retire ``old``, naming only the files this directory holds."""
    trusted = []
    public = key_dir / f"{old.kid}.pub"
    if public.is_file():
        trusted.append(str(public))
    if old.in_keyring:
        trusted.append(f'the "{old.kid}" entry of {key_dir / KEYRING_FILE}')
    steps = []
    if trusted:
        steps.append(
            f"remove {' and '.join(trusted)}, here and in every keyring you ship"
        )
    if old.has_private:
        steps.append(f"destroy {key_dir / f'{old.kid}.key'} or move it offline")
    return "; then ".join(steps)


def _passphrase(encrypt: bool) -> bytes | None:
    from_environment = os.environ.get(PASSPHRASE_ENV)
    if from_environment:
        return from_environment.encode("utf-8")
    if not encrypt:
        return None
    if not _common.interactive():
        raise KeyFileError(
            "--encrypt needs a passphrase, but there is no terminal to ask for "
            f"one; set {PASSPHRASE_ENV} to it"
        )
    typed = click.prompt(
        "Passphrase for the new private key", hide_input=True, confirmation_prompt=True
    )
    return str(typed).encode("utf-8")


def _report(pair: KeyPairFiles) -> None:
    protection = "encrypted" if pair.encrypted else "not encrypted"
    click.echo(f"wrote {pair.private_path} (private key, mode 0600, {protection})")
    click.echo(f"wrote {pair.public_path} (public key)")
    click.echo(f"fingerprint {pair.fingerprint}")
    if pair.keyring_path is not None:
        click.echo(f"added {pair.kid} to {pair.keyring_path}")


def _info_row(info: KeyInfo) -> list[str]:
    return [
        info.kid,
        info.fingerprint or "unknown",
        _created(info.created) or "unknown",
        "yes" if info.has_private else "no",
        _note(info),
    ]


def _info_json(info: KeyInfo) -> dict[str, object]:
    return {
        "kid": info.kid,
        "fingerprint": info.fingerprint,
        "created": _created(info.created),
        "has_private": info.has_private,
        "example_key": info.is_example,
        "superseded_by": info.superseded_by,
    }


def _note(info: KeyInfo) -> str:
    notes = []
    if info.is_example:
        notes.append("EXAMPLE KEY: public, for demos only")
    if info.superseded_by:
        notes.append(f"superseded by {info.superseded_by}")
    return "; ".join(notes)


def _created(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None
