"""Start-up: wall time of a command a person types, against bare Python.

The baseline is a fresh interpreter importing the Ed25519 module, the least
any licensesmith command needs. Each command runs as a real subprocess, the
three in turn so that a slow moment of the machine hits them alike, and the
median of the runs is kept.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.workload import NOW

BASELINE = [
    sys.executable,
    "-c",
    "import cryptography.hazmat.primitives.asymmetric.ed25519",
]


def licensesmith_command() -> list[str]:
    """The installed ``licensesmith`` script of this interpreter, if any.

    The script beside ``sys.executable`` is the one pip installed for it; a
    shim found first on PATH (pyenv, asdf) would add its own start-up.
    """
    folder = Path(sys.executable).parent
    script = shutil.which("licensesmith", path=str(folder)) or shutil.which(
        "licensesmith"
    )
    if script:
        return [script]
    return [
        sys.executable,
        "-c",
        "import sys; from issuer.cli import main; sys.exit(main())",
    ]


def measure(license_file: Path, keyring: Path, runs: int) -> dict[str, Any]:
    """Median seconds of --help, of verify on one file, and of the baseline."""
    command = licensesmith_command()
    now = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    commands = {
        "baseline": BASELINE,
        "help": [*command, "--help"],
        "verify": [
            *command,
            "verify",
            str(license_file),
            "--keyring",
            str(keyring),
            "--now",
            now,
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(runs + 1):
        for name, argv in commands.items():
            seconds = _wall_time(argv)
            if round_number:  # the first round only warms the disk cache
                times[name].append(seconds)

    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "command": " ".join(command),
        "runs": runs,
        "baseline": medians["baseline"],
        "help": medians["help"],
        "verify": medians["verify"],
        "help_ratio": medians["help"] / medians["baseline"],
        "verify_ratio": medians["verify"] / medians["baseline"],
    }


def _wall_time(argv: list[str]) -> float:
    started = time.perf_counter()
    finished = subprocess.run(argv, capture_output=True, env=dict(os.environ))
    elapsed = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited {finished.returncode}: "
            f"{finished.stderr.decode(errors='replace').strip()}"
        )
    return elapsed
