"""Durations: their written form and calendar arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from issuer._durations import Duration, DurationError, add_duration, parse_duration


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("30d", 30, "d"),
        ("12w", 12, "w"),
        ("6mo", 6, "mo"),
        ("1y", 1, "y"),
        ("0d", 0, "d"),
    ],
)
def test_reads_each_unit(text: str, amount: int, unit: str) -> None:
    duration = parse_duration(text)

    assert duration == Duration(amount, unit)
    assert str(duration) == text


def test_keeps_a_sign_so_callers_can_refuse_it_by_name() -> None:
    assert parse_duration("-5d").is_negative


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        ("1 y", "write it without spaces: 1y"),
        ("1Y", "write the unit in lower case: 1y"),
        ("12 months", "write mo for months"),
        ("3m", "m could mean minutes or months; write mo for months"),
        ("1.5y", "a whole number and a unit (d, w, mo or y)"),
        ("", "a whole number and a unit"),
        ("forever", "a whole number and a unit"),
    ],
)
def test_a_bad_form_says_what_to_write(text: str, advice: str) -> None:
    with pytest.raises(DurationError) as raised:
        parse_duration(text)

    assert f"{text!r} is not a duration" in str(raised.value)
    assert advice in str(raised.value)


@pytest.mark.parametrize(
    ("start", "text", "end"),
    [
        (at(2027, 1, 31), "1mo", at(2027, 2, 28)),  # end of a short month
        (at(2028, 1, 31), "1mo", at(2028, 2, 29)),  # ... in a leap year
        (at(2027, 3, 31), "1mo", at(2027, 4, 30)),
        (at(2028, 2, 29), "1y", at(2029, 2, 28)),  # a leap day a year on
        (at(2027, 1, 1), "1y", at(2028, 1, 1)),  # 365 days
        (at(2028, 1, 1), "1y", at(2029, 1, 1)),  # 366 days: the calendar counts
        (at(2027, 1, 1), "12w", at(2027, 3, 26)),  # exactly 84 days
        (at(2027, 2, 20), "30d", at(2027, 3, 22)),
        (at(2027, 1, 11, 8), "6mo", at(2027, 7, 11, 8)),  # the time of day stays
        (at(2027, 1, 1), "0d", at(2027, 1, 1)),
    ],
)
def test_adds_as_the_calendar_counts(start: datetime, text: str, end: datetime) -> None:
    assert add_duration(start, parse_duration(text)) == end


def test_twelve_months_and_one_year_end_on_the_same_day() -> None:
    start = at(2027, 5, 31)

    assert add_duration(start, parse_duration("12mo")) == add_duration(
        start, parse_duration("1y")
    )


def test_a_length_past_the_calendar_is_refused_not_crashed() -> None:
    with pytest.raises(DurationError, match="goes past the year 9999"):
        add_duration(at(2027, 1, 1), parse_duration("99999999y"))
