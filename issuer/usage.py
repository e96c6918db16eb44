"""Managed-agent usage read from a file of event times (``--usage FILE``).

The product counts managed-agent builds over a license's own usage period, so
a single number is only right for one period. A file of events lets the merge
count, for whichever period wins, exactly the events inside it.

One event per line, in either form:

- **JSON Lines** (``.jsonl`` / ``.ndjson``, or any file whose first line starts
  with ``{``): an object with a ``time`` member (other members are ignored),
  or a bare JSON string or number;
- **CSV** (everything else): a header row naming a ``time`` (or
  ``timestamp``) column among others, or a single column without a header.

A time is RFC 3339 with a zone (``2026-01-31T12:00:00Z``, fractions and
offsets allowed) or epoch seconds (``1769860800``, fractions allowed). Blank
lines are skipped; anything else that is not a time stops the load with the
file and line. Events are sorted once, then each count is two binary searches.
"""

from __future__ import annotations

import csv
import json
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from .errors import IssuerError, Problem

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
TIME_COLUMNS = ("time", "timestamp")
#: 9999-12-31T23:59:59Z; beyond it a number is most likely epoch milliseconds.
MAX_EPOCH_SECONDS = 253402300799

_EPOCH = re.compile(r"\d+(\.\d+)?")
# Decoding directly skips json.loads' per-call checks: a third of the time for 1e6.
_decode_json = json.JSONDecoder().decode
_EXPECTED = "write RFC 3339 (2026-01-31T12:00:00Z) or epoch seconds"


class UsageFileError(IssuerError):
    """A usage file line that is not an event time; names the file and line."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class UsageEvents:
    """Event times, sorted, counted per usage period.

    An instance is the ``managed_agents`` callable of ``verifier.Facts``.
    """

    def __init__(self, times: Iterable[float], source: str = "") -> None:
        self.times = array("d", sorted(times))
        self.source = source

    def count_between(self, start: float, end: float) -> int:
        """Events in ``[start, end)``: one at the period's end belongs to the next.

        Consecutive periods (a renewal starting where the old term ends)
        therefore never count the same event twice.
        """
        if end <= start:
            return 0
        return bisect_left(self.times, end) - bisect_left(self.times, start)

    def __call__(self, start: int, end: int) -> int:
        return self.count_between(start, end)

    def __len__(self) -> int:
        return len(self.times)

    def __repr__(self) -> str:
        return f"UsageEvents({len(self)} events from {self.source or 'memory'})"


def load_usage(path: str | Path) -> UsageEvents:
    """Read a usage file; raise ``UsageFileError`` at its first bad line."""
    path = Path(path)
    if path.exists() and not path.is_file():
        # A device or pipe never ends; the reader would wait or fill memory.
        raise _error(path, None, "is not a regular file; give a usage file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            times = list(_read(stream, path))
    except UnicodeDecodeError:
        raise _error(path, None, "is not UTF-8 text") from None
    return UsageEvents(times, source=str(path))


def parse_event_time(value: Any) -> float:
    """Epoch seconds of one event; ``ValueError`` with a reason otherwise."""
    if isinstance(value, str):
        return _text_seconds(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{json.dumps(value)} is not a timestamp; {_EXPECTED}")
    return _in_range(float(value), value)


def _text_seconds(text: str) -> float:
    text = text.strip()
    if text[4:5] == "-":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a timestamp; {_EXPECTED}") from None
        if moment.tzinfo is None:
            raise ValueError(f"{text!r} has no time zone; add Z or an offset (+02:00)")
        return _in_range(moment.timestamp(), text)
    if not _EPOCH.fullmatch(text):
        raise ValueError(f"{text!r} is not a timestamp; {_EXPECTED}")
    return _in_range(float(text), text)


def _in_range(seconds: float, given: object) -> float:
    # NaN and infinities fail both comparisons too.
    if 0 <= seconds <= MAX_EPOCH_SECONDS:
        return seconds
    if seconds > MAX_EPOCH_SECONDS:
        raise ValueError(
            f"{given!r} is after the year 9999; epoch milliseconds? divide by 1000"
        )
    raise ValueError(f"{given!r} is not a time after 1970; {_EXPECTED}")


# Reading the two formats.


def _read(stream: TextIO, path: Path) -> Iterator[float]:
    first = _first_text(stream)
    if first.startswith("["):
        raise _error(path, 1, "is a JSON array; write one event per line (JSON Lines)")
    if path.suffix.lower() in JSON_LINES_SUFFIXES or first.startswith("{"):
        return _read_json_lines(stream, path)
    return _read_csv(stream, path)


def _first_text(stream: TextIO) -> str:
    """The first non-blank line, leaving the stream where it was."""
    position = stream.tell()
    line = stream.readline()
    while line and not line.strip():
        line = stream.readline()
    stream.seek(position)
    return line.lstrip()


def _read_json_lines(stream: TextIO, path: Path) -> Iterator[float]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = _decode_json(line.rstrip("\r\n"))
        except json.JSONDecodeError as error:
            problem = f"is not JSON: {error.msg} at column {error.colno}"
            raise _error(path, number, problem) from None
        if isinstance(value, dict):
            if "time" not in value:
                raise _error(path, number, 'has no "time" member')
            value = value["time"]
        try:
            yield parse_event_time(value)
        except ValueError as error:
            raise _error(path, number, str(error)) from None


def _read_csv(stream: TextIO, path: Path) -> Iterator[float]:
    reader = csv.reader(stream)
    column: int | None = None
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if column is None:
            column, is_header = _time_column(row, path, reader.line_num)
            if is_header:
                continue
        try:
            yield _text_seconds(row[column])
        except IndexError:
            raise _error(path, reader.line_num, "has no time column value") from None
        except ValueError as error:
            raise _error(path, reader.line_num, str(error)) from None


def _time_column(row: list[str], path: Path, line: int) -> tuple[int, bool]:
    """From the first row: (index of the time column, whether the row is a header)."""
    names = [cell.strip().lower() for cell in row]
    for name in TIME_COLUMNS:
        if name in names:
            return names.index(name), True
    if len(row) == 1:
        return 0, False
    raise _error(
        path,
        line,
        f"has {len(row)} columns and none is named time; "
        "add a header row naming the time column",
    )


def _error(path: Path, line: int | None, message: str) -> UsageFileError:
    return UsageFileError(Problem(file=str(path), message=message, line=line))
