"""JSON as the verifier reads it: a name given twice is an error, not a choice.

Parsers disagree on which of two duplicate members wins; a signed token or a
keyring that another reader would take differently is refused instead.
"""

from __future__ import annotations

from typing import Any


def reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for ``json.loads``: ValueError on a repeated name."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate member {key!r}")
        result[key] = value
    return result
