"""Issue many orders at once, all-or-nothing up to the first signature.

Every order is compiled and checked before anything is signed; one bad order
stops the batch with every problem of every order listed. Then each license
is signed, verified, recorded and written in turn, one ledger transaction per
license, so a batch killed halfway leaves a ledger that matches the files on
disk. Re-running it finds the orders already issued and does not issue them
again: it only writes back a file that the interrupted run had recorded but
not yet written.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from verifier import format_time

from .errors import CompileError, IssuerError, Problem
from .files import write_atomic
from .issuing import sign_and_check

if TYPE_CHECKING:
    from .compiler import Compiled
    from .keys import SigningKey
    from .ledger import Ledger, LedgerEntry

ORDER_SUFFIXES = (".yaml", ".yml")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class BatchItem:
    """One order of the batch and what became of it."""

    compiled: Compiled
    out: Path
    status: str = "pending"  # issued, already issued, rewritten, dry run
    jti: str = ""


def find_order_files(source: Path) -> list[Path]:
    """A folder's order files in name order, or the one file given."""
    if source.is_dir():
        files = sorted(
            path for path in source.iterdir() if path.suffix in ORDER_SUFFIXES
        )
        if not files:
            raise IssuerError(f"{source}: no .yaml order files in this folder")
        return files
    if not source.exists():
        raise IssuerError(f"{source}: no such file or folder")
    return [source]


def compile_all(
    sources: Iterable[Path],
    compile_one: Callable[[Path], list[Compiled]],
) -> list[Compiled]:
    """Compile every order; raise one CompileError listing all their problems."""
    compiled: list[Compiled] = []
    problems: list[Problem] = []
    for source in sources:
        try:
            compiled += compile_one(source)
        except CompileError as error:
            problems += error.problems
    if problems:
        raise CompileError(problems)
    if not compiled:
        raise IssuerError("no orders to issue: the order file holds an empty list")
    return compiled


def output_name(compiled: Compiled) -> str:
    """``<account>-<start date>-<short id>.jwt``: says what the file is."""
    claims = compiled.claims
    account = _UNSAFE.sub("_", claims["account_id"]).strip("._") or "account"
    start = format_time(claims["nbf"])[:10]
    return f"{account[:60]}-{start}-{claims['jti'][:8]}.jwt"


def plan(compiled: list[Compiled], out_dir: Path) -> list[BatchItem]:
    items = [BatchItem(each, out_dir / output_name(each)) for each in compiled]
    taken = [item.out for item in items if item.out.exists()]
    if taken:
        raise IssuerError(f"{taken[0]} already exists; choose an empty --out folder")
    return items


def issue_all(
    items: list[BatchItem],
    key: SigningKey,
    ledger: Ledger,
    *,
    now: datetime,
    progress: Callable[[Iterable[BatchItem]], Iterator[BatchItem]] = iter,
) -> list[BatchItem]:
    """Sign, verify, record and write each item; skip what was issued before."""
    return list(issue_each(items, key, ledger, now=now, progress=progress))


def issue_each(
    items: list[BatchItem],
    key: SigningKey,
    ledger: Ledger,
    *,
    now: datetime,
    progress: Callable[[Iterable[BatchItem]], Iterator[BatchItem]] = iter,
) -> Iterator[BatchItem]:
    """``issue_all`` one item at a time, so an interrupted run knows its count."""
    from .issuing import record_and_write

    for item in progress(items):
        earlier = ledger.find_by_order(
            item.compiled.order_sha256 or "", item.compiled.template_sha256
        )
        if earlier:
            yield _complete_earlier(item, earlier[0])
            continue
        signed = sign_and_check(item.compiled, key, now)
        record_and_write(signed, key, ledger, item.out, now=now)
        yield _replace(item, "issued", signed.license.jti or "")


@contextmanager
def exclusive_batch(ledger_path: Path) -> Iterator[None]:
    """One batch at a time per ledger, waiting for any other to finish.

    Checking the ledger for an order and recording it are two steps; two
    batches interleaving them could both find an order missing and issue it
    twice. A lock file beside the ledger serialises whole batches; the second
    then finds every order the first issued, and issues none of them again.
    """
    lock_path = ledger_path.with_name(ledger_path.name + ".lock")
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _complete_earlier(item: BatchItem, entry: LedgerEntry) -> BatchItem:
    """An order already in the ledger: rewrite its file if a crash lost it."""
    path = Path(entry.output_path) if entry.output_path else None
    if path is not None and not path.exists():
        write_atomic(path, entry.token.encode("ascii") + b"\n")
        return BatchItem(item.compiled, path, "rewritten", entry.jti)
    return BatchItem(item.compiled, path or item.out, "already issued", entry.jti)


def _replace(item: BatchItem, status: str, jti: str) -> BatchItem:
    return BatchItem(item.compiled, item.out, status, jti)
