"""The table: one row per figure, each with its baseline, ratio and target.

Rows are plain data first (``rows``) so that the smoke test can check every
figure is there, and only then text (``render``), a Markdown table that reads
the same in a terminal and in the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MB = 1_000_000
MEMORY_BUDGET = 200 * MB


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    baseline: str
    ratio: float
    #: The largest ratio that passes; None for a figure given for information.
    limit: float | None = None
    target: str = ""

    @property
    def verdict(self) -> str:
        if self.limit is None:
            return "-"
        return "pass" if self.ratio <= self.limit else "FAIL"


def rows(results: dict[str, Any]) -> list[Row]:
    return [
        *_issuance_rows(results["issuance"]),
        *_merge_rows(results["merge"]),
        *_startup_rows(results["startup"]),
        *_memory_rows(results["issuance"], results["interpreter_peak_bytes"]),
    ]


def _issuance_rows(batches: list[dict[str, Any]]) -> list[Row]:
    return [
        Row(
            f"issuance, batch of {batch['count']:,} orders (per license)",
            f"{_ms(batch['per_license'])} ({1 / batch['per_license']:,.0f} orders/s)",
            f"floor {_ms(batch['floor_per_license'])} "
            f"({1 / batch['floor_per_license']:,.0f}/s)",
            batch["ratio"],
            2.0,
            "<= 2x floor",
        )
        for batch in batches
    ]


def _merge_rows(merge: dict[str, Any]) -> list[Row]:
    result = [
        Row(
            f"entitlements from {row['size']:,} license(s) (per license)",
            _ms(row["per_license"]),
            f"bare verify {_ms(row['floor_per_license'])}",
            row["ratio"],
        )
        for row in merge["rows"]
    ]
    per_license = {row["size"]: row["per_license"] for row in merge["rows"]}
    low, high = merge["flat_from"], merge["flat_to"]
    result.append(
        Row(
            f"merge flatness, per license at {high:,} / at {low:,}",
            _ms(per_license[high]),
            _ms(per_license[low]),
            merge["flatness"],
            1.5,
            "<= 1.5x",
        )
    )
    return result


def _startup_rows(startup: dict[str, Any]) -> list[Row]:
    baseline = f"import ed25519 {_ms(startup['baseline'])}"
    return [
        Row(
            "start-up, licensesmith --help",
            _ms(startup["help"]),
            baseline,
            startup["help_ratio"],
            2.0,
            "<= 2x import",
        ),
        Row(
            "start-up, licensesmith verify (one file)",
            _ms(startup["verify"]),
            baseline,
            startup["verify_ratio"],
            4.0,
            "<= 4x import",
        ),
    ]


def _memory_rows(batches: list[dict[str, Any]], interpreter: int) -> list[Row]:
    result = []
    for batch in batches:
        largest = batch is batches[-1]
        result.append(
            Row(
                f"peak memory, batch of {batch['count']:,} orders",
                f"{batch['peak_bytes'] / MB:.1f} MB",
                f"bare interpreter {interpreter / MB:.1f} MB",
                batch["peak_bytes"] / interpreter,
                MEMORY_BUDGET / interpreter if largest else None,
                "< 200 MB" if largest else "",
            )
        )
    return result


def render(table: list[Row]) -> str:
    header = ("figure", "measured", "baseline", "ratio", "target", "result")
    lines = [header] + [
        (
            r.figure,
            r.measured,
            r.baseline,
            f"{r.ratio:.2f}x",
            r.target or "-",
            r.verdict,
        )
        for r in table
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [_markdown_line(line, widths) for line in lines]
    text.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(text)


def _markdown_line(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
    return "| " + " | ".join(padded) + " |"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"
