"""Atomic, durable, no-clobber file writes.

A license, a key or a keyring is either absent at its path or complete there:
the bytes go to a temporary file in the same directory, reach the disk, and
only then receive their final name. A reader never sees half a file, and a
crash leaves at most a stray ``.*.tmp`` file, never a truncated license.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import IssuerError, OutputExists

# O_NOFOLLOW and O_CLOEXEC are absent on some platforms; 0 leaves them out.
_CREATE_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def write_atomic(
    path: Path, data: bytes, *, overwrite: bool = False, mode: int = 0o644
) -> None:
    """Put ``data`` at ``path`` in one step, or leave ``path`` as it was.

    Without ``overwrite`` an existing file is refused with ``OutputExists``;
    the refusal comes from ``os.link``, which cannot replace a file, so two
    writers racing for one name cannot both win. The file gets exactly
    ``mode`` (the umask is not applied) and has it from its creation, so a
    private key is never readable by others, not even for a moment.
    """
    path = Path(path)
    directory = path.parent
    if not directory.is_dir():
        raise IssuerError(
            f"cannot write {path}: directory {directory} does not exist; create it "
            "first or choose another output path"
        )
    if not overwrite and os.path.lexists(path):
        raise _exists(path)

    temporary = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        _write_durably(temporary, data, mode)
        _move_into_place(temporary, path, overwrite)
    finally:
        # Gone already after a successful link + unlink or replace; otherwise
        # this is the clean-up of a failed write.
        temporary.unlink(missing_ok=True)

    _fsync_directory(directory)


def _write_durably(temporary: Path, data: bytes, mode: int) -> None:
    descriptor = os.open(temporary, _CREATE_FLAGS, mode)
    with os.fdopen(descriptor, "wb") as stream:
        # Before any byte is written: a restrictive umask must not weaken
        # the requested mode, nor a permissive one strengthen it silently.
        os.fchmod(stream.fileno(), mode)
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _move_into_place(temporary: Path, path: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(temporary, path)
        return

    try:
        os.link(temporary, path)
    except FileExistsError:
        raise _exists(path) from None


def _fsync_directory(directory: Path) -> None:
    """Make the new name itself durable, not only the file's contents."""
    try:
        descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        # Platforms that cannot open a directory (Windows) cannot fsync one.
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _exists(path: Path) -> OutputExists:
    return OutputExists(
        f"{path} already exists; refusing to overwrite it. Pass --force to "
        "replace it, or choose another output path"
    )


#: Templates, orders and keyrings are a few kilobytes; refuse what cannot be one.
MAX_INPUT_BYTES = 1024 * 1024


class InputTooLarge(IssuerError):
    """An input file is larger than any real one of its kind."""


def read_limited(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The file's bytes, reading no more than ``limit`` + 1 of them.

    A device such as /dev/zero, or a huge file given by mistake, would
    otherwise be read whole into memory before anything could be said.
    """
    with open(path, "rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(
            f"{path} is over {limit:,} bytes, more than any file of this kind; "
            "check the path"
        )
    return data
