"""Issuance: the real batch path against the floor of the same work.

The real path is what ``licensesmith batch`` runs: compile every order file
with the template (all-or-nothing), plan the output names, then per license
sign, read back through the verifier and the merge rules, commit one ledger
transaction and write the file atomically and durably.

The floor is what no implementation can skip for the same claim bytes: one
Ed25519 signature and its verification with ``cryptography``, one file
written, flushed, fsynced and renamed, and one SQLite insert committed with
the journal and synchronous modes read back from the real ledger.

The two take turns, ``CHUNK`` licenses at a time, so that a slow moment of
the disk (fsync times here vary fourfold within an hour) falls on both
alike. A batch runs in a child process (``python -m benchmarks.issuance``)
so that its peak memory is its own: the parent reads ``ru_maxrss`` of its
children right after waiting for it.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.memory import children_peak_bytes, rss_bytes
from benchmarks.workload import NOW, ROOT, TEMPLATES, write_orders

SYNCHRONOUS_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
#: Licenses issued by the real path before the floor takes its turn.
CHUNK = 100


def run_batch(count: int, workdir: Path, key_path: Path) -> dict[str, Any]:
    """Issue ``count`` orders through the real path, the floor alongside."""
    from issuer.batch import compile_all, find_order_files, issue_all, plan
    from issuer.compiler import compile_orders
    from issuer.keys import load_signing_key
    from issuer.ledger import Ledger

    write_orders(workdir / "orders", count)
    out = workdir / "licenses"
    out.mkdir()
    key = load_signing_key(key_path)
    ledger = Ledger(workdir / "ledger.sqlite3")
    journal, synchronous = _durability(ledger)
    floor = _Floor(workdir / "floor", key.private_key, journal, synchronous)
    # As ``licensesmith batch`` does: each order names its template.
    compile_one = partial(compile_orders, now=NOW, templates_dir=TEMPLATES)

    started = time.perf_counter()
    compiled = compile_all(find_order_files(workdir / "orders"), compile_one)
    items = plan(compiled, out)
    compile_seconds = time.perf_counter() - started

    done, issue_seconds = [], 0.0
    for first in range(0, len(items), CHUNK):
        chunk = items[first : first + CHUNK]
        started = time.perf_counter()
        done += issue_all(chunk, key, ledger, now=NOW)
        issue_seconds += time.perf_counter() - started
        floor.run([_claim_bytes(item.compiled.claims) for item in chunk])

    peak = rss_bytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    ledger.close()
    floor.close()
    return {
        "count": count,
        "issued": sum(1 for item in done if item.status == "issued"),
        "files_written": len(list(out.glob("*.jwt"))),
        "compile_seconds": compile_seconds,
        "issue_seconds": issue_seconds,
        "seconds": compile_seconds + issue_seconds,
        "floor_seconds": floor.seconds,
        "journal_mode": journal,
        "synchronous": synchronous,
        "self_maxrss_bytes": peak,
    }


def _durability(ledger: Any) -> tuple[str, str]:
    """The modes the ledger's own connection runs with, not what we assume."""
    connection = ledger._db  # read-only look at the live connection
    journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
    level = connection.execute("PRAGMA synchronous").fetchone()[0]
    return str(journal).upper(), SYNCHRONOUS_NAMES.get(level, str(level))


def _claim_bytes(claims: dict[str, Any]) -> bytes:
    # The payload signing.py signs: sorted keys, no spaces.
    return json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()


class _Floor:
    """The bare operations per license, timed; nothing else is counted."""

    def __init__(
        self, folder: Path, private_key: Any, journal: str, synchronous: str
    ) -> None:
        folder.mkdir()
        self.folder = folder
        self.private_key = private_key
        self.public_key = private_key.public_key()
        self.database = sqlite3.connect(folder / "floor.sqlite3", isolation_level=None)
        self.database.execute(f"PRAGMA journal_mode = {journal}")
        self.database.execute(f"PRAGMA synchronous = {synchronous}")
        self.database.execute(
            "CREATE TABLE licenses (jti TEXT PRIMARY KEY, claims BLOB, signature BLOB)"
        )
        self.count = 0
        self.seconds = 0.0

    def run(self, payloads: list[bytes]) -> None:
        insert = "INSERT INTO licenses (jti, claims, signature) VALUES (?, ?, ?)"
        started = time.perf_counter()
        for claims in payloads:
            self.count += 1
            signature = self.private_key.sign(claims)
            self.public_key.verify(signature, claims)

            temporary = self.folder / f".{self.count}.tmp"
            with open(temporary, "wb") as stream:
                stream.write(claims + signature)
                stream.flush()
                os.fsync(stream.fileno())
            os.rename(temporary, self.folder / f"{self.count}.license")

            self.database.execute("BEGIN IMMEDIATE")
            self.database.execute(insert, (str(self.count), claims, signature))
            self.database.execute("COMMIT")
        self.seconds += time.perf_counter() - started

    def close(self) -> None:
        self.database.close()


def measure(count: int, workdir: Path, key_path: Path) -> dict[str, Any]:
    """One batch in a fresh interpreter, with its peak RSS as the parent saw it.

    ``RUSAGE_CHILDREN`` keeps the largest peak of any child waited for, so
    the figure belongs to this child only when it rose across this call; if
    it did not, an earlier child was larger and the child's own reading of
    ``RUSAGE_SELF`` at the end of the batch is used instead.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    before = children_peak_bytes()
    command = [sys.executable, "-m", "benchmarks.issuance"]
    command += [str(count), str(workdir), str(key_path)]
    finished = subprocess.run(
        command, cwd=ROOT, env=_child_env(), capture_output=True, text=True
    )
    if finished.returncode != 0:
        raise RuntimeError(f"batch of {count} failed:\n{finished.stderr}")
    after = children_peak_bytes()

    result: dict[str, Any] = json.loads(finished.stdout)
    if after > before:
        result["peak_bytes"] = after
        result["peak_source"] = "getrusage(RUSAGE_CHILDREN).ru_maxrss in the parent"
    else:
        result["peak_bytes"] = result["self_maxrss_bytes"]
        result["peak_source"] = "getrusage(RUSAGE_SELF).ru_maxrss in the child"
    result["per_license"] = result["seconds"] / count
    result["floor_per_license"] = result["floor_seconds"] / count
    result["ratio"] = result["per_license"] / result["floor_per_license"]
    return result


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    return env


if __name__ == "__main__":
    count_text, workdir_text, key_text = sys.argv[1:4]
    figures = run_batch(int(count_text), Path(workdir_text), Path(key_text))
    print(json.dumps(figures))
