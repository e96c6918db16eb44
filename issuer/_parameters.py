"""Template parameters: declared types, defaults and bounds, and typed values.

A declaration such as ``seats: {type: integer, min: 1, required: true}``
becomes a ``Parameter`` that reads a raw YAML value into its type and says,
in words, why a value does not fit. Types: integer, string, boolean, date (a
date, or an RFC 3339 time with its zone; normalised to UTC), duration
(``30d``, ``12w``, ``6mo``, ``1y``) and list (of strings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from verifier._token import INT64_MAX

from ._durations import EXAMPLES, Duration, DurationError, add_duration, parse_duration
from ._yaml import EXCERPT_LIMIT, Findings, Where, YamlMap, describe, excerpt

__all__ = [
    "BROKEN",
    "BUILTIN_PARAMETERS",
    "ORDER_KEYS",
    "Given",
    "Parameter",
    "ValueRefused",
    "declare",
    "parse_moment",
    "render",
    "show",
]

#: Parameters every template has, whether it declares them or not. A template
#: may redeclare one (renewal.yaml makes ``start`` required) but not retype it.
BUILTIN_PARAMETERS: dict[str, dict[str, Any]] = {
    "account_id": {
        "type": "string",
        "required": True,
        "description": "the customer account, e.g. a Salesforce account id",
    },
    "start": {
        "type": "date",
        "description": "start of the term; the time of issue when not given",
    },
    "deployment_ids": {
        "type": "list",
        "description": "deployments the license is bound to",
    },
}

#: Keys of an order that are not parameter values, so not parameter names.
ORDER_KEYS = ("template", "features")

DATE_EXAMPLE = "2027-01-01, or a time with its zone such as 2027-01-01T09:00:00+01:00"

#: A value whose problem has been reported already: later checks skip it.
BROKEN: Any = type("Broken", (), {"__repr__": lambda self: "BROKEN"})()


class ValueRefused(ValueError):
    """A value does not fit; the message says what was expected."""


@dataclass(frozen=True)
class Given:
    """A value, where it was written, and the parameter it came through, if any."""

    value: Any
    where: Where
    via: str | None = None

    @property
    def broken(self) -> bool:
        return self.value is BROKEN

    def through(self) -> str:
        """`` (from ${seats})`` when the value came from a parameter."""
        return f" (from ${{{self.via}}})" if self.via else ""


@dataclass(frozen=True)
class Parameter:
    """A declared parameter: its type, default, bounds, and where it was declared."""

    name: str
    type: str
    where: Where
    required: bool = False
    default: Any = None
    default_where: Where | None = None
    minimum: Any = None
    maximum: Any = None
    pattern: re.Pattern[str] | None = None
    choices: tuple[str, ...] = ()
    description: str = ""

    def accept(self, raw: Any) -> Any:
        """``raw`` read as this type; None stays None (no value)."""
        return None if raw is None else _READERS[self.type](raw)

    def refuse_bounds(self, value: Any, start: datetime) -> str | None:
        """Why ``value`` is outside the bounds, or None when it is inside.

        Durations are compared by where they end when counted from ``start``,
        the license's own start: ``12mo`` equals ``1y``, and ``365d`` falls
        short of ``1y`` across a leap day.
        """
        if value is None:
            return None
        if self.type == "string":
            return self._refuse_text(value)
        if self.type == "list":
            return self._refuse_items(value)
        if self.type in ("integer", "date", "duration"):
            return self._refuse_range(value, start)
        return None

    def expected(self) -> str:
        """What a value must be, as a phrase: "a whole number from 1 to 5"."""
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        phrase = _EXPECTED[self.type]
        if self.type == "list":
            phrase += _range_words(self.minimum, self.maximum, " items")
        elif self.type in ("integer", "date", "duration"):
            phrase += _range_words(self.minimum, self.maximum)
        if self.pattern is not None:
            phrase += f" matching {self.pattern.pattern}"
        return phrase

    def _refuse_text(self, value: str) -> str | None:
        if self.choices and value not in self.choices:
            return f"expected {self.expected()}"
        if self.pattern is not None and not self.pattern.fullmatch(value):
            return f"expected text matching {self.pattern.pattern}"
        return None

    def _refuse_items(self, value: list[str]) -> str | None:
        if self.minimum is not None and len(value) < self.minimum:
            return f"expected at least {self.minimum} items"
        if self.maximum is not None and len(value) > self.maximum:
            return f"expected at most {self.maximum} items"
        for item in value:
            if self.pattern is not None and not self.pattern.fullmatch(item):
                return f"item {describe(item)} does not match {self.pattern.pattern}"
        return None

    def _refuse_range(self, value: Any, start: datetime) -> str | None:
        def measure(item: Any) -> Any:
            return add_duration(start, item) if self.type == "duration" else item

        try:
            if self.minimum is not None and measure(value) < measure(self.minimum):
                return f"expected at least {render(self.minimum)}"
            if self.maximum is not None and measure(value) > measure(self.maximum):
                return f"expected at most {render(self.maximum)}"
        except DurationError as error:
            return str(error)
        return None


def declare(name: str, declaration: YamlMap, findings: Findings) -> Parameter | None:
    """A declaration as a Parameter; None when it is unusable (and reported)."""
    kind = declaration.get("type")
    if kind not in _READERS:
        return None  # the schema check has said which types exist
    if name in ORDER_KEYS:
        message = f"{name} cannot name a parameter: orders use {name}: for the {name}"
        findings.report(declaration.where, f"{message}; rename it")
        return None

    fields: dict[str, Any] = {"name": name, "type": kind, "where": declaration.where}
    usable = True
    for key, (attribute, reader) in _FIELDS.items():
        if key not in declaration:
            continue
        try:
            fields[attribute] = reader(kind, declaration[key])
        except ValueRefused as error:
            shown = describe(declaration[key])
            findings.report(
                declaration.value_where[key], f"{name}: {key} is {shown}; {error}"
            )
            usable = False
    if "default" in declaration:
        fields["default_where"] = declaration.value_where["default"]

    if fields.get("required") and fields.get("default") is not None:
        message = f"{name} is required and has a default; drop one of the two"
        findings.report(declaration.where, message)
        return None
    if usable and not _bounds_in_order(fields.get("minimum"), fields.get("maximum")):
        findings.report(declaration.where, f"{name}: min is above max; swap them")
        return None
    return Parameter(**fields) if usable else None


def parse_moment(text: str) -> datetime:
    """A date (midnight UTC) or an RFC 3339 time with a zone, as aware UTC."""
    time = _TIME.fullmatch(text)
    if not _DATE.fullmatch(text) and time is None:
        raise ValueRefused(f"expected a date such as {DATE_EXAMPLE}")
    if time is not None and time.group("zone") is None:
        raise ValueRefused(
            "the time has no zone; add Z for UTC or an offset like +01:00"
        )

    try:
        moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).replace(microsecond=0)
    except ValueError:
        raise ValueRefused("no such date or time; check the day and month") from None
    except OverflowError:
        raise ValueRefused("in UTC this falls outside the calendar") from None


def show(value: Any) -> str:
    """A value for a message: text quoted, typed values as an order writes them.

    Either way at most a short excerpt on one line (see ``_yaml.excerpt``).
    """
    if value is None or isinstance(value, str | dict):
        return describe(value)
    return excerpt(render(value))


def render(value: Any) -> str:
    """A typed value written back as text, the way an order writes it."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return str(value)


# --- declaration fields -----------------------------------------------------


def _bounds_in_order(low: Any, high: Any) -> bool:
    if low is None or high is None or isinstance(low, Duration):
        return True  # durations compare only from a start; see refuse_bounds
    return bool(low <= high)


def _read_required(kind: str, raw: Any) -> bool:
    return _read_boolean(raw)


def _read_default(kind: str, raw: Any) -> Any:
    return None if raw is None else _READERS[kind](raw)


def _read_bound(kind: str, raw: Any) -> Any:
    if kind == "list":
        count = _read_integer(raw)
        if count < 0:
            raise ValueRefused("expected a number of items, 0 or more")
        return count
    if kind in ("integer", "date", "duration"):
        return _READERS[kind](raw)
    raise ValueRefused(f"bounds do not apply to a {kind} parameter; remove it")


def _read_pattern(kind: str, raw: Any) -> re.Pattern[str]:
    if kind not in ("string", "list"):
        raise ValueRefused(f"a pattern does not apply to a {kind} parameter; remove it")
    try:
        return re.compile(_read_string(raw))
    except re.error as error:
        raise ValueRefused(f"not a regular expression ({error}); fix it") from None


def _read_choices(kind: str, raw: Any) -> tuple[str, ...]:
    if kind != "string":
        raise ValueRefused(f"choices do not apply to a {kind} parameter; remove them")
    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
        raise ValueRefused("expected a list of the allowed strings")
    return tuple(raw)


def _read_description(kind: str, raw: Any) -> str:
    return _read_string(raw)


# Declaration key -> (Parameter field, reader given the parameter's type).
_FIELDS = {
    "required": ("required", _read_required),
    "default": ("default", _read_default),
    "min": ("minimum", _read_bound),
    "max": ("maximum", _read_bound),
    "pattern": ("pattern", _read_pattern),
    "choices": ("choices", _read_choices),
    "description": ("description", _read_description),
}


# --- values of each type ----------------------------------------------------

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?"
)


def _read_integer(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        if isinstance(raw, str) and raw.strip().lstrip("+-").isdigit():
            raise ValueRefused("expected a whole number; remove the quotes")
        raise ValueRefused("expected a whole number such as 150")
    if abs(raw) > INT64_MAX:
        raise ValueRefused(f"expected a whole number no larger than {INT64_MAX}")
    return raw


def _read_string(raw: Any) -> str:
    if isinstance(raw, str):
        return _printable(raw)
    if isinstance(raw, int | float) and len(str(raw)) <= EXCERPT_LIMIT:
        raise ValueRefused(f"expected text; write it in quotes: '{describe(raw)}'")
    raise ValueRefused("expected text; write it in quotes")


def _read_boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueRefused("expected true or false")
    return raw


def _read_date(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise ValueRefused(f"expected a date such as {DATE_EXAMPLE}")
    return parse_moment(raw.strip())


def _read_duration(raw: Any) -> Duration:
    if not isinstance(raw, str):
        raise ValueRefused(f"expected a duration such as {EXAMPLES}")
    try:
        duration = parse_duration(raw)
    except DurationError as error:
        raise ValueRefused(str(error).split("; ", 1)[-1]) from None
    if duration.is_negative:
        raise ValueRefused("a duration cannot be negative")
    return duration


def _read_list(raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise ValueRefused("expected a list such as [dep-1, dep-2]")
    for index, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            raise ValueRefused(f"item {describe(item)} is not a name; write it as text")
        if item in raw[:index]:
            raise ValueRefused(f"{excerpt(item)} appears twice; list it once")
        _printable(item)
    return list(raw)


def _printable(text: str) -> str:
    """Refuse control characters: they would be signed, then garble terminals."""
    if not text.isprintable():
        raise ValueRefused(
            "it holds control or invisible characters; type it again as plain text"
        )
    return text


_READERS = {
    "integer": _read_integer,
    "string": _read_string,
    "boolean": _read_boolean,
    "date": _read_date,
    "duration": _read_duration,
    "list": _read_list,
}

_EXPECTED = {
    "integer": "a whole number",
    "string": "text",
    "boolean": "true or false",
    "date": f"a date such as {DATE_EXAMPLE}",
    "duration": f"a duration such as {EXAMPLES}",
    "list": "a list such as [dep-1, dep-2]",
}


def _range_words(low: Any, high: Any, unit: str = "") -> str:
    if low is not None and high is not None:
        return f" from {render(low)} to {render(high)}{unit}"
    if low is not None:
        return f" of at least {render(low)}{unit}"
    if high is not None:
        return f" of at most {render(high)}{unit}"
    return ""
