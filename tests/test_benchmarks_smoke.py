"""The benchmark runs end to end at a tiny size and reports every figure.

Nothing here asserts a time: on a shared machine a unit test cannot tell slow
from unlucky. What it can tell is that every figure of issue 6 is measured,
that each ratio is a positive number, and that the real path really issued,
recorded and wrote every license under the ledger's durable settings.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks import report
from benchmarks.run import collect, settings_lines
from issuer.ledger import default_ledger_path

BATCHES = (3, 5)
MERGE_SIZES = (1, 5)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir = tmp_path_factory.mktemp("bench")
    users_ledger = default_ledger_path({})
    before = _state(users_ledger)
    with pytest.MonkeyPatch.context() as patch:
        # collect() points the variable into workdir; undo that afterwards.
        patch.setenv("LICENSESMITH_LEDGER", str(workdir / "unused.sqlite3"))
        figures = collect(workdir, BATCHES, MERGE_SIZES, startup_runs=1)
    figures["users_ledger_untouched"] = _state(users_ledger) == before
    return figures


def _state(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_size, status.st_mtime_ns


def test_every_figure_has_a_row(results: dict) -> None:
    figures = [row.figure for row in report.rows(results)]

    for count in BATCHES:
        assert f"issuance, batch of {count:,} orders (per license)" in figures
        assert f"peak memory, batch of {count:,} orders" in figures
    for size in MERGE_SIZES:
        assert f"entitlements from {size:,} license(s) (per license)" in figures
    assert "merge flatness, per license at 5 / at 1" in figures
    assert "start-up, licensesmith --help" in figures
    assert "start-up, licensesmith verify (one file)" in figures


def test_every_ratio_is_positive(results: dict) -> None:
    for row in report.rows(results):
        assert row.ratio > 0 and math.isfinite(row.ratio), row


def test_targets_are_judged(results: dict) -> None:
    judged = [row for row in report.rows(results) if row.limit is not None]

    # Both issuance sizes, flatness, --help, verify and the largest batch's memory.
    assert len(judged) == len(BATCHES) + 4
    assert all(row.verdict in ("pass", "FAIL") for row in judged)


def test_the_real_path_issued_everything_durably(results: dict) -> None:
    for batch in results["issuance"]:
        assert batch["issued"] == batch["files_written"] == batch["count"]
        assert (batch["journal_mode"], batch["synchronous"]) == ("WAL", "FULL")
    for row in results["merge"]["rows"]:
        assert row["valid"] == row["size"]


def test_the_table_renders(results: dict) -> None:
    text = report.render(report.rows(results))

    assert text.splitlines()[0].startswith("| figure")
    assert "synchronous=FULL" in "\n".join(settings_lines(results))


def test_the_users_ledger_is_left_alone(results: dict) -> None:
    assert results["users_ledger_untouched"]
