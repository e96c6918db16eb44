"""Small helpers for what commands print: files read, times, warnings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import IssuerError

EXAMPLE_KEY_NOTICE = (
    "signed with the EXAMPLE key from keys.example/: anyone can forge it; "
    "never send it to a customer"
)


def read_token(path: str | Path) -> str:
    """A license file's text, or an IssuerError naming the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise IssuerError(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise IssuerError(f"{path}: not a license (the file is not text)") from None


def announce_example_key(name: str) -> None:
    click.secho(f"warning: {name}: {EXAMPLE_KEY_NOTICE}", err=True, fg="yellow")


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2))
