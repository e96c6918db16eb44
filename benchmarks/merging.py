"""Verification and merge: entitlements from n licenses against bare verifies.

``compute_entitlements`` parses, validates and verifies each token, then
ranks every feature it offers against what earlier licenses gave. Its floor
is the one step it cannot avoid per license: the Ed25519 verification of the
same signature over the same bytes, done directly with ``cryptography``.

Per-license time must not grow with the number of licenses; the flatness
figure (per license at the largest size over per license at 100) shows a
quadratic step as soon as one creeps in.
"""

from __future__ import annotations

import base64
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.workload import NOW, merge_claims

#: Repeat a measurement until it has run this long, and at least this often,
#: so that one slow moment of a shared machine cannot decide a figure.
MIN_SECONDS = 0.4
MIN_REPEATS = 3
MAX_REPEATS = 500


def signed_tokens(key: Any, count: int) -> list[str]:
    """``count`` licenses signed by the issuer's own signing code."""
    from issuer.signing import sign_claims

    return [sign_claims(claims, key) for claims in merge_claims(count)]


def measure(key: Any, sizes: Sequence[int]) -> dict[str, Any]:
    """Per-license seconds of the merge and of bare verification, per size."""
    from verifier import Facts, Keyring, compute_entitlements

    tokens = signed_tokens(key, max(sizes))
    keyring = Keyring({key.kid: key.public_key})
    facts = Facts(active_users=120, managed_agents=40)
    rows = []
    for size in sizes:
        chosen = tokens[:size]

        def merge(chosen: list[str] = chosen) -> Any:
            return compute_entitlements(chosen, now=NOW, keyring=keyring, facts=facts)

        result = merge()
        valid = sum(1 for report in result.licenses if report.status == "valid")
        merged = _median_seconds(merge) / size
        bare = _median_seconds(_bare_verifier(chosen, key.public_key)) / size
        rows.append(
            {
                "size": size,
                "valid": valid,
                "per_license": merged,
                "floor_per_license": bare,
                "ratio": merged / bare,
            }
        )
    by_size = {row["size"]: row for row in rows}
    largest = max(sizes)
    reference = 100 if 100 in by_size else min(sizes)
    flatness = by_size[largest]["per_license"] / by_size[reference]["per_license"]
    return {
        "rows": rows,
        "flatness": flatness,
        "flat_from": reference,
        "flat_to": largest,
    }


def _bare_verifier(tokens: list[str], public_key: Any) -> Callable[[], None]:
    """Verify every signature of ``tokens`` with nothing around it."""
    pieces = []
    for token in tokens:
        signing_input, _, signature = token.rpartition(".")
        padded = signature + "=" * (-len(signature) % 4)
        pieces.append((base64.urlsafe_b64decode(padded), signing_input.encode()))

    def verify_all() -> None:
        for signature, message in pieces:
            public_key.verify(signature, message)

    return verify_all


def _median_seconds(work: Callable[[], Any]) -> float:
    """Median wall time of ``work`` over enough repeats to last MIN_SECONDS."""
    times: list[float] = []
    spent = 0.0
    while len(times) < MIN_REPEATS or (
        spent < MIN_SECONDS and len(times) < MAX_REPEATS
    ):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
        spent += times[-1]
    return statistics.median(times)
