"""The reference product's known answers (shared/vectors/merge), reproduced exactly."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from verifier import Facts, Keyring, compute_entitlements, entitlements_to_json

# A copy of shared/vectors/merge, so a clone on its own still runs them.
VECTORS = Path(__file__).parent / "vectors"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "merge"
VECTOR_FILES = sorted(VECTORS.glob("*.json"))


def test_vectors_are_present() -> None:
    assert len(VECTOR_FILES) >= 12, f"expected the merge vectors in {VECTORS}"


def test_copy_matches_shared_vectors() -> None:
    shared = sorted(SHARED.glob("*.json")) if SHARED.is_dir() else []
    for path in shared:
        copy = VECTORS / path.name
        assert copy.is_file(), f"{path.name} is new in shared/: copy it here"
        assert copy.read_bytes() == path.read_bytes(), f"{path.name} differs"


def _facts(raw: dict) -> Facts:
    return Facts(
        active_users=raw.get("active_users", 0),
        managed_agents=raw.get("managed_agents", 0),
        replicas=raw.get("replicas", 1),
        external_auth=raw.get("external_auth", 0),
        enabled=frozenset(raw.get("enable", ())),
    )


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda path: path.stem)
def test_vector(path: Path) -> None:
    vector = json.loads(path.read_text())
    now = datetime.fromisoformat(vector["now"].replace("Z", "+00:00"))

    result = compute_entitlements(
        vector["licenses"],
        now=now,
        keyring=Keyring.from_pems(vector["keyring"]),
        facts=_facts(vector["facts"]),
    )
    rendered = entitlements_to_json(result)

    expect = vector["expect"]
    assert rendered["features"] == expect["features"]
    assert list(rendered["features"]) == sorted(expect["features"])
    assert rendered["has_license"] == expect["has_license"]
    assert rendered["trial"] == expect["trial"]
    assert rendered["require_telemetry"] == expect["require_telemetry"]
    assert len(rendered["warnings"]) == expect["warning_count"], rendered["warnings"]
    assert len(rendered["errors"]) == expect["error_count"], rendered["errors"]
