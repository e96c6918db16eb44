"""Run every benchmark and print the table: ``python benchmarks/run.py``.

Each figure is a ratio against a baseline measured in the same run, so a slow
or noisy machine still gives numbers that compare across runs. ``--quick``
runs smaller sizes (batches of 100 and 1,000, merges up to 1,000 licenses)
for a check that takes about a tenth of the time.

Everything happens in a temporary folder that is removed at the end;
``LICENSESMITH_LEDGER`` points into it, so the user's ledger is never opened.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: make the repository root importable as a package root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import issuance, merging, report, startup  # noqa: E402
from benchmarks.memory import interpreter_peak_bytes  # noqa: E402
from benchmarks.workload import (  # noqa: E402
    isolate_ledger,
    merge_claims,
    new_signing_key,
    write_keyring,
)

FULL = {"batches": (1_000, 10_000), "merge": (1, 10, 100, 1_000, 10_000), "runs": 15}
QUICK = {"batches": (100, 1_000), "merge": (1, 10, 100, 1_000), "runs": 7}


def collect(
    workdir: Path,
    batches: Sequence[int],
    merge_sizes: Sequence[int],
    startup_runs: int,
) -> dict[str, Any]:
    """Every figure, measured in ``workdir``; the data behind the table."""
    isolate_ledger(workdir)
    interpreter = interpreter_peak_bytes()  # first child: see memory.py
    key = new_signing_key(workdir)
    key_path = workdir / "keys" / f"{key.kid}.key"

    results: dict[str, Any] = {"interpreter_peak_bytes": interpreter}
    results["issuance"] = [
        issuance.measure(count, workdir / f"batch-{count}", key_path)
        for count in sorted(batches)
    ]
    results["merge"] = merging.measure(key, sorted(merge_sizes))
    license_file, keyring = _one_license(workdir, key)
    results["startup"] = startup.measure(license_file, keyring, startup_runs)
    return results


def _one_license(workdir: Path, key: Any) -> tuple[Path, Path]:
    from issuer.signing import sign_claims

    license_file = workdir / "one.jwt"
    license_file.write_text(sign_claims(merge_claims(1)[0], key) + "\n")
    return license_file, write_keyring(key, workdir / "keyring.json")


def settings_lines(results: dict[str, Any]) -> list[str]:
    """What the numbers were measured under, printed below the table."""
    largest = results["issuance"][-1]
    return [
        f"ledger: journal_mode={largest['journal_mode']}, "
        f"synchronous={largest['synchronous']}, one transaction per license; "
        "license files: temporary file, fsync, link, directory fsync",
        f"peak memory: {largest['peak_source']}",
        f"start-up: median of {results['startup']['runs']} runs of "
        f"`{results['startup']['command']}`",
        f"machine: Python {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="licensesmith-bench-") as folder:
        results = collect(Path(folder), sizes["batches"], sizes["merge"], sizes["runs"])
    elapsed = time.perf_counter() - started

    table = report.rows(results)
    print(report.render(table))
    print()
    for line in settings_lines(results):
        print(line)
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    print(f"run: {date}, {elapsed:.0f} s wall time" + (" (--quick)" * args.quick))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 1 if any(row.verdict == "FAIL" for row in table) else 0


if __name__ == "__main__":
    sys.exit(main())
