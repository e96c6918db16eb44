"""Plain-text tables for people at a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from verifier import Catalogue, Entitlements, FeatureState, format_time


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, two spaces apart."""
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [
            max(width, len(cell)) for width, cell in zip(widths, row, strict=True)
        ]
    lines = [headers, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(
            cell.ljust(width) for cell, width in zip(line, widths, strict=True)
        ).rstrip()
        for line in lines
    )


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _period(state: FeatureState) -> str:
    period = state.usage_period
    if period is None:
        return ""
    return f"{format_time(period.start)[:10]} to {format_time(period.end)[:10]}"


def entitlement_rows(
    entitlements: Entitlements, catalogue: Catalogue
) -> list[list[str]]:
    rows = []
    for feature in catalogue.features:
        state = entitlements.features[feature.name]
        rows.append(
            [
                feature.name,
                state.entitlement.replace("_", " "),
                "yes" if state.enabled else "no",
                _number(state.limit),
                _number(state.soft_limit),
                _number(state.actual),
                _period(state),
            ]
        )
    return rows


ENTITLEMENT_HEADERS = (
    "feature",
    "entitlement",
    "enabled",
    "limit",
    "soft",
    "actual",
    "usage period",
)


def render_entitlements(entitlements: Entitlements, catalogue: Catalogue) -> str:
    """The whole answer: licenses read, features, then warnings and errors."""
    lines = []
    for report in entitlements.licenses:
        detail = f": {report.detail}" if report.detail else ""
        marker = " (EXAMPLE KEY)" if report.signed_with_example_key else ""
        status = report.status.replace("_", " ")
        lines.append(f"license {report.id}: {status}{marker}{detail}")
    flags = (
        f"has license: {'yes' if entitlements.has_license else 'no'}   "
        f"trial: {'yes' if entitlements.trial else 'no'}   "
        f"telemetry required: {'yes' if entitlements.require_telemetry else 'no'}"
    )
    lines += [flags, ""]
    lines.append(table(ENTITLEMENT_HEADERS, entitlement_rows(entitlements, catalogue)))
    lines += [f"warning: {message}" for message in entitlements.warnings]
    lines += [f"error: {message}" for message in entitlements.errors]
    if not entitlements.warnings and not entitlements.errors:
        lines.append("no warnings, no errors")
    return "\n".join(lines)
