"""Calendar-aware durations: ``30d``, ``12w``, ``6mo``, ``1y``.

A term sold as "one year" must end on the same date a year later, and "one
month" from 31 January must end on the last day of February, not in March.
Days and weeks are fixed lengths; months and years are calendar steps, done by
``dateutil.relativedelta`` so that end-of-month and leap days behave as people
count them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta

from ._yaml import describe, excerpt

__all__ = ["Duration", "DurationError", "add_duration", "parse_duration"]

UNITS = {"d": "days", "w": "weeks", "mo": "months", "y": "years"}
EXAMPLES = "30d, 12w, 6mo or 1y"

_FORM = re.compile(r"([+-]?)(\d+)(d|w|mo|y)")
# Units people write by habit, and what to write instead.
_NEAR_MISSES = {
    "m": "m could mean minutes or months; write mo for months",
    "month": "write mo for months",
    "months": "write mo for months",
    "day": "write d for days",
    "days": "write d for days",
    "week": "write w for weeks",
    "weeks": "write w for weeks",
    "year": "write y for years",
    "years": "write y for years",
    "yr": "write y for years",
    "yrs": "write y for years",
}


class DurationError(ValueError):
    """A duration that cannot be read, or that leaves the calendar."""


@dataclass(frozen=True)
class Duration:
    """A whole number of one calendar unit (``d``, ``w``, ``mo`` or ``y``)."""

    amount: int
    unit: str

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def as_relativedelta(self) -> relativedelta:
        return relativedelta(**{UNITS[self.unit]: self.amount})


def parse_duration(text: str) -> Duration:
    """Read ``<integer><unit>``; a sign is accepted so callers can refuse it well."""
    match = _FORM.fullmatch(text.strip())
    if match is None:
        raise DurationError(_explain_bad_form(text))

    sign, digits, unit = match.groups()
    amount = int(digits)
    return Duration(-amount if sign == "-" else amount, unit)


def add_duration(moment: datetime, duration: Duration) -> datetime:
    """``moment`` moved by ``duration``; refuses to leave datetime's range."""
    try:
        moved: datetime = moment + duration.as_relativedelta()
    except (OverflowError, ValueError):
        raise DurationError(
            f"{duration} from {moment:%Y-%m-%d} goes past the year 9999; "
            "use a realistic length"
        ) from None
    return moved


def _explain_bad_form(text: str) -> str:
    """Say what is wrong with the commonest slips, else show the form."""
    compact = re.sub(r"\s+", "", text)
    unit = re.sub(r"^[+-]?\d+", "", compact)
    if _FORM.fullmatch(compact):
        hint = f"write it without spaces: {excerpt(compact)}"
    elif unit.lower() in _NEAR_MISSES:
        hint = _NEAR_MISSES[unit.lower()]
    elif unit.lower() in UNITS:
        hint = f"write the unit in lower case: {excerpt(compact.lower())}"
    else:
        hint = f"write a whole number and a unit (d, w, mo or y), such as {EXAMPLES}"
    return f"{describe(text)} is not a duration; {hint}"
