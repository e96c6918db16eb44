"""Managed-agent usage files: both formats, the period boundary, bad lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from issuer.errors import IssuerError
from issuer.usage import UsageEvents, UsageFileError, load_usage, parse_event_time
from verifier import Facts

JAN_1 = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
HOUR = 3600


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# Formats.


def test_json_lines_objects_strings_and_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "usage.jsonl",
        '{"time": "2026-01-01T00:00:00Z", "agent": "a1"}\n'
        "\n"
        '"2026-01-01T01:00:00+01:00"\n'
        f"{JAN_1 + 2 * HOUR}\n"
        f'{{"time": {JAN_1 + 3 * HOUR}.5}}\n',
    )

    events = load_usage(path)

    expected = [JAN_1, JAN_1, JAN_1 + 2 * HOUR, JAN_1 + 3 * HOUR + 0.5]
    assert list(events.times) == expected
    assert events.source == str(path)


def test_csv_with_a_time_column_among_others(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "usage.csv",
        "agent,Time,workspace\n"
        "a1,2026-01-01T02:00:00Z,w1\n"
        "\n"
        'a2,"2026-01-01T01:00:00Z",w2\n',
    )

    assert list(load_usage(path).times) == [JAN_1 + HOUR, JAN_1 + 2 * HOUR]


def test_csv_timestamp_header_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "usage.csv", f"timestamp\n{JAN_1}\n")

    assert list(load_usage(path).times) == [JAN_1]


def test_one_column_without_header(tmp_path: Path) -> None:
    path = write(tmp_path, "usage.txt", f"2026-01-01T00:00:00Z\n{JAN_1 + HOUR}\n")

    assert list(load_usage(path).times) == [JAN_1, JAN_1 + HOUR]


def test_byte_order_mark_from_spreadsheets_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "usage.csv", b"\xef\xbb\xbftime\r\n2026-01-01T00:00:00Z\r\n")

    assert list(load_usage(path).times) == [JAN_1]


def test_first_line_object_means_json_lines_whatever_the_name(tmp_path: Path) -> None:
    path = write(tmp_path, "usage.log", '\n{"time": "2026-01-01T00:00:00Z"}\n')

    assert list(load_usage(path).times) == [JAN_1]


def test_empty_file_has_no_events(tmp_path: Path) -> None:
    events = load_usage(write(tmp_path, "usage.csv", ""))

    assert len(events) == 0
    assert events(0, JAN_1) == 0


# Counting.


def test_counts_events_from_start_up_to_but_not_including_end() -> None:
    events = UsageEvents([JAN_1 - 1, JAN_1, JAN_1 + 5, JAN_1 + 10, JAN_1 + 11])

    assert events.count_between(JAN_1, JAN_1 + 10) == 2
    assert events(JAN_1, JAN_1 + 11) == 3
    assert events(JAN_1 + 10, JAN_1 + 12) == 2


def test_consecutive_periods_never_count_an_event_twice() -> None:
    events = UsageEvents([JAN_1 + offset for offset in range(0, 100, 7)])

    assert events(JAN_1, JAN_1 + 50) + events(JAN_1 + 50, JAN_1 + 100) == len(events)


def test_an_empty_or_inverted_period_counts_nothing() -> None:
    events = UsageEvents([JAN_1])

    assert events(JAN_1, JAN_1) == 0
    assert events(JAN_1 + 1, JAN_1 - 1) == 0


def test_events_are_the_managed_agents_of_facts(tmp_path: Path) -> None:
    lines = "".join(f"{JAN_1 + minute * 60}\n" for minute in range(120))
    facts = Facts(managed_agents=load_usage(write(tmp_path, "usage.txt", lines)))

    assert facts.usage_between(JAN_1, JAN_1 + HOUR) == 60


def test_many_events_count_correctly(tmp_path: Path) -> None:
    # Written out of order on purpose: the loader sorts once.
    lines = "".join(f"{JAN_1 + (i * 7919) % 100_000}\n" for i in range(100_000))
    events = load_usage(write(tmp_path, "usage.csv", lines))

    assert len(events) == 100_000
    assert events(JAN_1, JAN_1 + 50_000) == 50_000


# Bad input: one line naming the file and the line.


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "usage.csv",
            "time\n2026-01-01T00:00:00Z\nyesterday\n",
            "line 3: 'yesterday' is not a timestamp; write RFC 3339 "
            "(2026-01-31T12:00:00Z) or epoch seconds",
        ),
        (
            "usage.csv",
            "2026-01-01T00:00:00\n",
            "line 1: '2026-01-01T00:00:00' has no time zone; add Z or an offset "
            "(+02:00)",
        ),
        (
            "usage.txt",
            "1767225600000\n",
            "line 1: '1767225600000' is after the year 9999; epoch milliseconds? "
            "divide by 1000",
        ),
        (
            "usage.jsonl",
            "-5\n",
            "line 1: -5 is not a time after 1970; write RFC 3339 "
            "(2026-01-31T12:00:00Z) or epoch seconds",
        ),
        ("usage.jsonl", '{"when": 1}\n', 'line 1: has no "time" member'),
        (
            "usage.jsonl",
            "true\n",
            "line 1: true is not a timestamp; write RFC 3339 "
            "(2026-01-31T12:00:00Z) or epoch seconds",
        ),
        (
            "usage.jsonl",
            '{"time": "2026-01-01T00:00:00Z"}\n{"time": \n',
            "line 2: is not JSON: Expecting value at column 10",
        ),
        (
            "usage.json",
            '["2026-01-01T00:00:00Z"]\n',
            "line 1: is a JSON array; write one event per line (JSON Lines)",
        ),
        (
            "usage.csv",
            "agent,when\na1,2026-01-01T00:00:00Z\n",
            "line 1: has 2 columns and none is named time; add a header row naming "
            "the time column",
        ),
        ("usage.csv", "agent,time\na1\n", "line 2: has no time column value"),
    ],
    ids=[
        "not-a-time",
        "no-zone",
        "milliseconds",
        "negative",
        "no-time-member",
        "boolean",
        "bad-json",
        "json-array",
        "no-time-column",
        "short-row",
    ],
)
def test_bad_line_names_file_and_line(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = write(tmp_path, name, text)

    with pytest.raises(UsageFileError) as caught:
        load_usage(path)

    assert str(caught.value) == f"{path} {message}"
    assert caught.value.problem.file == str(path)
    assert isinstance(caught.value, IssuerError)


def test_not_utf8_is_reported_for_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "usage.csv", b"time\n\xff\xfe\n")

    with pytest.raises(UsageFileError) as caught:
        load_usage(path)

    assert str(caught.value) == f"{path}: is not UTF-8 text"


def test_parse_event_time_forms() -> None:
    assert parse_event_time("2026-01-01T00:00:00.250Z") == JAN_1 + 0.25
    assert parse_event_time(" 1767225600 ") == JAN_1
    assert parse_event_time(1767225600.5) == JAN_1 + 0.5
    with pytest.raises(ValueError, match="not a time after 1970"):
        parse_event_time(float("nan"))


def test_a_device_is_refused_before_reading() -> None:
    with pytest.raises(UsageFileError, match="is not a regular file"):
        load_usage("/dev/zero")
