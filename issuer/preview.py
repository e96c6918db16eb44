"""What adding one license changes for a customer, before it ships.

A newer license can make things worse without anyone noticing: usage-period
features are ranked by issue time, so a renewal with lower managed-agent limits
replaces larger ones. ``preview_license`` merges the customer's licenses
without and with the new one; ``diff_entitlements`` lists what changed and
calls each change better, worse or neutral (docs/merge.md, "Preview"):

- worse: entitlement lowered; switched off; a limit or soft limit lowered, or
  appearing where there was none; a usage period ending earlier or shorter; a
  new warning or error; the deployment becoming a trial or having to send
  telemetry; losing the license altogether.
- better: the opposite of each.
- neutral: usage counts, and limits or periods that merely come and go with
  the entitlement (the entitlement change itself carries the verdict).

A renewal can also hide behind the license it replaces: while the current
license still counts, its higher limits win the merge. So the preview also
compares what the customer has with what is left once the existing licenses
the new one outlives have lapsed, and reports what gets worse there too.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from verifier import (
    ENTITLED,
    GRACE_PERIOD,
    NOT_ENTITLED,
    Catalogue,
    Entitlements,
    Facts,
    FeatureState,
    Keyring,
    LicenseReport,
    NotYetValid,
    UsagePeriod,
    compute_entitlements,
    decode_unverified,
    entitlements_to_json,
    format_time,
    verify_license,
)
from verifier._warnings import Messages

from .errors import IssuerError

BETTER, WORSE, NEUTRAL = "better", "worse", "neutral"
DOWNGRADE_MARK = "DOWNGRADE"

_RANK = {NOT_ENTITLED: 0, GRACE_PERIOD: 1, ENTITLED: 2}
_HELD = (ENTITLED, GRACE_PERIOD)
_NOTHING = FeatureState(NOT_ENTITLED, False)
#: (flag, its new value) -> verdict and reason. A trial flag or a telemetry
#: duty is a burden for a paying (or air-gapped) customer.
_FLAG_VERDICTS = {
    ("has_license", True): (BETTER, "a license now counts"),
    ("has_license", False): (WORSE, "no valid license is left"),
    ("trial", True): (WORSE, "the deployment becomes a trial"),
    ("trial", False): (BETTER, "no longer a trial"),
    ("require_telemetry", True): (WORSE, "telemetry becomes required"),
    ("require_telemetry", False): (BETTER, "telemetry no longer required"),
}

LicenseInput = str | tuple[str, str]

#: Merge statuses of an existing license that make the comparison blind: it
#: grants nothing before or after, so whatever it should have granted is unseen.
#: A license not yet valid is ``ignored`` when faulty otherwise too, and is
#: judged again as of its start (its ``iat`` may be after the time asked for).
_UNUSABLE = ("invalid", "ignored")


class InvalidExistingLicense(IssuerError):
    """An existing license does not verify, so no downgrade could be seen."""


__all__ = [
    "BETTER",
    "NEUTRAL",
    "WORSE",
    "Change",
    "InvalidExistingLicense",
    "Preview",
    "diff_entitlements",
    "preview_license",
    "preview_to_json",
    "render_preview",
]


@dataclass(frozen=True)
class Change:
    """One difference between before and after.

    ``kind`` is ``feature`` (with ``feature`` and ``field``), ``flag`` (with
    ``field``: has_license, trial, require_telemetry), ``warning`` or
    ``error``. ``before``/``after`` are JSON values; ``None`` means absent.
    """

    kind: str
    verdict: str
    before: Any
    after: Any
    reason: str
    feature: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class Preview:
    """Entitlements without and with the new license, and what differs."""

    before: Entitlements
    after: Entitlements
    changes: tuple[Change, ...]
    #: Set when the new license was not yet valid at the time asked for, so
    #: the preview was taken at its start instead (``at``).
    moved_from: datetime | None = field(default=None)
    #: When the last existing license the new one outlives has lapsed; None
    #: when it outlives none of them.
    lapse_at: datetime | None = None
    #: What is worse then than ``before``, beyond what ``changes`` reports.
    lapse_changes: tuple[Change, ...] = ()

    @property
    def at(self) -> datetime:
        return self.after.refreshed_at

    @property
    def downgrades(self) -> list[Change]:
        everything = (*self.changes, *self.lapse_changes)
        return [change for change in everything if change.verdict == WORSE]


def preview_license(
    new: LicenseInput,
    existing: Sequence[LicenseInput],
    *,
    now: datetime,
    keyring: Keyring,
    facts: Facts | None = None,
    catalogue: Catalogue | None = None,
    leeway: int = 0,
) -> Preview:
    """Merge ``existing`` alone and with ``new``, at the moment ``new`` counts.

    That is ``now``, or ``new``'s start when it is not yet valid at ``now``: a
    renewal loaded early changes nothing until then, and hiding its downgrade
    until the day it starts is exactly what a preview is for. Then compares
    ``existing`` at that moment with what is left once they lapse
    (``lapse_at``). Raises the verifier's ``LicenseError`` when ``new`` itself
    is invalid, and ``InvalidExistingLicense`` when one of ``existing`` is
    invalid at ``now`` (not yet valid is fine).
    """
    token = _token(new)
    moment = _moment_it_counts(token, keyring, now, leeway)
    options: dict[str, Any] = dict(
        keyring=keyring, facts=facts, catalogue=catalogue, leeway=leeway
    )
    _refuse_invalid_existing(existing, now=now, **options)

    before = compute_entitlements(list(existing), now=moment, **options)
    after = compute_entitlements([*existing, new], now=moment, **options)
    preview = diff_entitlements(before, after)
    lapse_at = _lapse_moment(token, existing, moment, leeway)
    lapse_changes: tuple[Change, ...] = ()
    if lapse_at is not None:
        left = _still_valid(existing, lapse_at, leeway)
        lapsed = compute_entitlements([*left, new], now=lapse_at, **options)
        lapse_changes = _lapse_changes(before, lapsed, preview.changes)
    return replace(
        preview,
        moved_from=now if moment != now else None,
        lapse_at=lapse_at,
        lapse_changes=lapse_changes,
    )


def _token(item: LicenseInput) -> str:
    return item[1] if isinstance(item, tuple) else item


def _moment_it_counts(
    token: str, keyring: Keyring, now: datetime, leeway: int
) -> datetime:
    try:
        verify_license(token, keyring, now, leeway)
        return now
    except NotYetValid:
        # Raised only once the signature verified, so the start date is genuine.
        start = datetime.fromtimestamp(decode_unverified(token)[1]["nbf"], UTC)
    # Verify again as of that day: a failure then is the real reason it is bad.
    verify_license(token, keyring, start, leeway)
    return start


def _refuse_invalid_existing(
    existing: Sequence[LicenseInput], *, now: datetime, **options: Any
) -> None:
    """An invalid existing license is an error before and after: no change."""
    for position, item in enumerate(existing, start=1):
        named = item if isinstance(item, tuple) else (str(position), item)
        report = _report_on(named, now, options)
        if report.status == "ignored":
            # Not yet valid and faulty: as of its start, is the fault real?
            start = decode_unverified(named[1])[1].get("nbf")
            if isinstance(start, int):
                report = _report_on(named, datetime.fromtimestamp(start, UTC), options)
        if report.status in _UNUSABLE:
            raise InvalidExistingLicense(
                f"{report.id} is not a valid license ({report.detail}), so the "
                "downgrade check cannot be trusted; fix or drop it"
            )


def _report_on(
    item: tuple[str, str], moment: datetime, options: dict[str, Any]
) -> LicenseReport:
    [report] = compute_entitlements([item], now=moment, **options).licenses
    return report


# When the existing licenses lapse.


def _lapse_moment(
    token: str, existing: Sequence[LicenseInput], moment: datetime, leeway: int
) -> datetime | None:
    """The latest end, after ``moment``, among existing licenses ``token`` outlives.

    Every license here has verified (or is merely not yet valid), so its
    ``exp`` claim is genuine.
    """
    outlives = _exp(token)
    ends = [
        end
        for end in (_exp(_token(item)) for item in existing)
        if end < outlives and end + leeway > moment.timestamp()
    ]
    return datetime.fromtimestamp(max(ends) + leeway, UTC) if ends else None


def _still_valid(
    existing: Sequence[LicenseInput], moment: datetime, leeway: int
) -> list[LicenseInput]:
    """The licenses not expired at ``moment``: an expired one is no new error."""
    at = moment.timestamp()
    return [item for item in existing if _exp(_token(item)) + leeway > at]


def _exp(token: str) -> int:
    return int(decode_unverified(token)[1]["exp"])


def _lapse_changes(
    before: Entitlements, lapsed: Entitlements, reported: Sequence[Change]
) -> tuple[Change, ...]:
    """What is worse once the existing licenses lapse, not reported already.

    Time passing alone is not a downgrade: grace counts as entitled, and the
    warnings about an expiry coming or a grace period are left out.
    """
    diff = diff_entitlements(_steady(before), _steady(lapsed))
    return tuple(
        change
        for change in diff.changes
        if change.verdict == WORSE and change not in reported
    )


def _steady(entitlements: Entitlements) -> Entitlements:
    features = {
        name: replace(state, entitlement=ENTITLED)
        if state.entitlement == GRACE_PERIOD
        else state
        for name, state in entitlements.features.items()
    }
    warnings = [text for text in entitlements.warnings if not _is_time_noise(text)]
    return replace(entitlements, features=features, warnings=warnings)


_NAME, _COUNT = "QQNAMEQQ", 987654321


def _shape(text: str) -> str:
    """A message with sample arguments as a pattern matching any arguments."""
    pattern = re.escape(text).replace(_NAME, ".+").replace(str(_COUNT), "[0-9]+")
    return f"(?:{pattern})"


_TIME_NOISE = re.compile(
    "|".join(
        _shape(text)
        for text in (
            Messages.expires_in(1),
            Messages.expires_in(_COUNT),
            Messages.user_limit_expired(_COUNT),
            Messages.in_grace(_NAME),
            Messages.feature_in_grace("replicas", _COUNT),
            Messages.feature_in_grace("external_auth", _COUNT),
        )
    )
)


def _is_time_noise(text: str) -> bool:
    return _TIME_NOISE.fullmatch(text) is not None


# The diff.


def diff_entitlements(before: Entitlements, after: Entitlements) -> Preview:
    """Every change between two merges, features first, in catalogue order."""
    changes: list[Change] = []
    names = list(after.features) + [
        n for n in before.features if n not in after.features
    ]
    for name in names:
        old = before.features.get(name, _NOTHING)
        new = after.features.get(name, _NOTHING)
        changes += _feature_changes(name, old, new)

    changes += _flag_changes(before, after)
    changes += _message_changes("warning", before.warnings, after.warnings)
    changes += _message_changes("error", before.errors, after.errors)
    return Preview(before=before, after=after, changes=tuple(changes))


def _feature_changes(name: str, old: FeatureState, new: FeatureState) -> list[Change]:
    held_throughout = old.entitlement in _HELD and new.entitlement in _HELD
    found: list[tuple[str, str, str]] = []  # (field, verdict, reason)

    if old.entitlement != new.entitlement:
        raised = _RANK[new.entitlement] > _RANK[old.entitlement]
        found.append(("entitlement", *_verdict(raised, "raised", "lowered")))
    if old.enabled != new.enabled:
        found.append(("enabled", *_verdict(new.enabled, "switched on", "switched off")))
    for limit in ("limit", "soft_limit"):
        old_value, new_value = getattr(old, limit), getattr(new, limit)
        if old_value != new_value:
            found.append(
                (limit, *_limit_verdict(old_value, new_value, held_throughout))
            )
    if old.actual != new.actual:
        found.append(("actual", NEUTRAL, _count_reason(old.actual, new.actual)))
    if old.usage_period != new.usage_period:
        verdict = _period_verdict(old.usage_period, new.usage_period, held_throughout)
        found.append(("usage_period", *verdict))

    return [
        Change(
            kind="feature",
            verdict=verdict,
            before=_field_json(old, field_name),
            after=_field_json(new, field_name),
            reason=reason,
            feature=name,
            field=field_name,
        )
        for field_name, verdict, reason in found
    ]


def _count_reason(old: int | None, new: int | None) -> str:
    if old is None:
        return "now counted"
    if new is None:
        return "no longer counted"
    return "counted over another period"


def _verdict(better: bool, if_better: str, if_worse: str) -> tuple[str, str]:
    return (BETTER, if_better) if better else (WORSE, if_worse)


def _limit_verdict(old: int | None, new: int | None, held: bool) -> tuple[str, str]:
    if not held:
        return NEUTRAL, "comes with the entitlement change"
    if old is None:
        return WORSE, "a limit where there was none"
    if new is None:
        return BETTER, "no limit any more"
    return _verdict(new > old, "raised", "lowered")


def _period_verdict(
    old: UsagePeriod | None, new: UsagePeriod | None, held: bool
) -> tuple[str, str]:
    if not held or old is None or new is None:
        return NEUTRAL, "comes with the entitlement change"
    if new.end < old.end:
        return WORSE, "ends earlier"
    if new.end - new.start < old.end - old.start:
        return WORSE, "shorter"
    if new.end > old.end:
        return BETTER, "ends later"
    if new.end - new.start > old.end - old.start:
        return BETTER, "longer"
    was, now = (_short(format_time(p.issued_at)) for p in (old, new))
    return NEUTRAL, f"same span, issued {now} (was {was})"


def _flag_changes(before: Entitlements, after: Entitlements) -> list[Change]:
    changes = []
    for flag in ("has_license", "trial", "require_telemetry"):
        old, new = getattr(before, flag), getattr(after, flag)
        if old != new:
            verdict, reason = _FLAG_VERDICTS[flag, new]
            changes.append(Change("flag", verdict, old, new, reason, field=flag))
    return changes


def _message_changes(kind: str, before: list[str], after: list[str]) -> list[Change]:
    old, new = Counter(before), Counter(after)
    added = [
        Change(kind, WORSE, None, text, f"new {kind}")
        for text in (new - old).elements()
    ]
    gone = [
        Change(kind, BETTER, text, None, f"{kind} resolved")
        for text in (old - new).elements()
    ]
    return added + gone


def _field_json(state: FeatureState, name: str) -> Any:
    value = getattr(state, name)
    if isinstance(value, UsagePeriod):
        return {
            "issued_at": format_time(value.issued_at),
            "start": format_time(value.start),
            "end": format_time(value.end),
        }
    return value


# Output.


def preview_to_json(preview: Preview) -> dict[str, Any]:
    """The preview for machines: both merges in SPEC 6 shape, and the changes."""
    return {
        "at": format_time(preview.at.timestamp()),
        "moved_from": (
            format_time(preview.moved_from.timestamp()) if preview.moved_from else None
        ),
        "before": entitlements_to_json(preview.before),
        "after": entitlements_to_json(preview.after),
        "changes": [_change_to_json(change) for change in preview.changes],
        "lapse": _lapse_to_json(preview),
        "downgrades": len(preview.downgrades),
    }


def _lapse_to_json(preview: Preview) -> dict[str, Any] | None:
    if preview.lapse_at is None:
        return None
    return {
        "at": format_time(preview.lapse_at.timestamp()),
        "changes": [_change_to_json(change) for change in preview.lapse_changes],
    }


def _change_to_json(change: Change) -> dict[str, Any]:
    result: dict[str, Any] = {"kind": change.kind}
    if change.feature is not None:
        result["feature"] = change.feature
    if change.field is not None:
        result["field"] = change.field
    result.update(
        before=change.before,
        after=change.after,
        verdict=change.verdict,
        reason=change.reason,
    )
    return result


def render_preview(preview: Preview) -> str:
    """A plain-text report for a terminal: before, after, and the changes."""
    lines = [*_heading(preview), ""]
    lines += _summary("Before", preview.before)
    lines += ["", *_summary("After", preview.after)]
    lines += ["", *_change_lines(preview.changes), *_lapse_lines(preview)]
    count = len(preview.downgrades)
    plural = "" if count == 1 else "s"
    lines += ["", f"{count} downgrade{plural}." if count else "No downgrade."]
    return "\n".join(lines) + "\n"


def _heading(preview: Preview) -> list[str]:
    at = format_time(preview.at.timestamp())
    if preview.moved_from is None:
        return [f"Entitlements at {at}."]
    asked = format_time(preview.moved_from.timestamp())
    return [
        f"Entitlements at {at}, when the new license starts",
        f"(it is not yet valid at {asked}, and would change nothing then).",
    ]


def _summary(title: str, entitlements: Entitlements) -> list[str]:
    statuses = Counter(report.status for report in entitlements.licenses)
    counted = ", ".join(
        f"{n} {status.replace('_', ' ')}" for status, n in statuses.items()
    )
    lines = [f"{title} (licenses: {counted or 'none'}):"]

    held = {n: s for n, s in entitlements.features.items() if s.entitlement in _HELD}
    measured = {n: s for n, s in held.items() if _is_measured(s)}
    if measured:
        lines += _table(
            [["feature", "entitlement", "enabled", "limit", "soft", "usage", "period"]]
            + [_summary_row(name, state) for name, state in measured.items()]
        )
    for entitlement in _HELD:
        names = [
            n
            for n, s in held.items()
            if n not in measured and s.entitlement == entitlement
        ]
        if names:
            label = f"  {entitlement.replace('_', ' ')} ({len(names)}): "
            lines += textwrap.wrap(
                ", ".join(names), 86, initial_indent=label, subsequent_indent="    "
            )
    if not held:
        lines.append("  no feature is entitled")

    lines += [f"  warning: {text}" for text in entitlements.warnings]
    lines += [f"  error: {text}" for text in entitlements.errors]
    return lines


def _is_measured(state: FeatureState) -> bool:
    """Carries numbers worth a table row, unlike a plain on/off feature."""
    return state.limit is not None or state.usage_period is not None


def _summary_row(name: str, state: FeatureState) -> list[str]:
    return [
        name,
        state.entitlement,
        _cell(state.enabled),
        _cell(state.limit),
        _cell(state.soft_limit),
        _cell(state.actual),
        _cell(_field_json(state, "usage_period")),
    ]


def _change_lines(changes: Sequence[Change]) -> list[str]:
    lines = ["Changes:"]
    rows = [
        [
            _mark(c),
            c.feature or "(flag)",
            c.field or "",
            _cell(c.before),
            _cell(c.after),
            c.reason,
        ]
        for c in changes
        if c.kind in ("feature", "flag")
    ]
    if rows:
        lines += _table([["", "feature", "field", "before", "after", "why"], *rows])
    for change in changes:
        if change.kind in ("warning", "error"):
            text = change.after if change.after is not None else change.before
            lines.append(f"  {_mark(change):<9}  {change.reason}: {text}")
    if not changes:
        lines.append("  none: the new license changes nothing here")
    return lines


def _lapse_lines(preview: Preview) -> list[str]:
    """Each later downgrade on one line, labelled with the day it comes."""
    if preview.lapse_at is None:
        return []
    day = _short(format_time(preview.lapse_at.timestamp()))
    when = f"when the current licenses end on {day}"
    if not preview.lapse_changes:
        return [f"  nothing else gets worse {when}"]
    lines = []
    for c in preview.lapse_changes:
        if c.kind in ("warning", "error"):
            text = c.after if c.after is not None else c.before
            lines.append(f"  {DOWNGRADE_MARK}  {c.reason}, {when}: {text}")
        else:
            what = f"{c.feature or '(flag)'}  {c.field}"
            values = f"{_cell(c.before)} -> {_cell(c.after)}"
            lines.append(f"  {DOWNGRADE_MARK}  {what}  {values}  {c.reason}, {when}")
    return lines


def _mark(change: Change) -> str:
    return DOWNGRADE_MARK if change.verdict == WORSE else change.verdict


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):  # a usage period
        return f"{_short(value['start'])}..{_short(value['end'])}"
    return str(value)


def _short(timestamp: str) -> str:
    """A date alone when the time is midnight UTC, as license terms usually are."""
    return timestamp[:10] if timestamp.endswith("T00:00:00Z") else timestamp


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    lines = []
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines
