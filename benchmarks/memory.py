"""Peak memory, read the one way that needs no instrumentation of the child.

``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is the largest peak resident set of
any child waited for so far. The bare interpreter is therefore measured
first, before any larger child can hide it.
"""

from __future__ import annotations

import resource
import subprocess
import sys

from benchmarks.startup import BASELINE


def rss_bytes(maxrss: int) -> int:
    """``ru_maxrss`` in bytes: Linux reports kilobytes, macOS bytes."""
    return maxrss if sys.platform == "darwin" else maxrss * 1024


def children_peak_bytes() -> int:
    return rss_bytes(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def interpreter_peak_bytes() -> int:
    """Peak RSS of a fresh Python importing the Ed25519 module."""
    subprocess.run(BASELINE, check=True)
    return children_peak_bytes()
