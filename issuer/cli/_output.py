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


class UnreadableLicense(IssuerError):
    """A license file that cannot be read as a token; ``reason`` omits the path."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason


def read_token(path: str | Path) -> str:
    """A license file's text, or an IssuerError naming the file."""
    from verifier import MAX_TOKEN_BYTES

    from ..files import InputTooLarge, read_limited

    path = Path(path)
    try:
        # Room for surrounding blank lines; the verifier says what is too long.
        data = read_limited(path, 4 * MAX_TOKEN_BYTES)
    except InputTooLarge:
        raise UnreadableLicense(
            path,
            f"not a license: the file is over {4 * MAX_TOKEN_BYTES:,} bytes "
            f"(a token is at most {MAX_TOKEN_BYTES:,})",
        ) from None
    except OSError as error:
        raise UnreadableLicense(
            path, f"cannot read ({error.strerror or error})"
        ) from None
    # Editors on Windows may save a byte-order mark; it is not part of a token.
    data = data.removeprefix(b"\xef\xbb\xbf").strip()
    if not data:
        raise UnreadableLicense(path, "the file is empty; expected a license token")
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise UnreadableLicense(
            path, "not a license token (it holds characters other than ASCII)"
        ) from None


def announce_example_key(name: str) -> None:
    click.secho(f"warning: {name}: {EXAMPLE_KEY_NOTICE}", err=True, fg="yellow")


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2))
