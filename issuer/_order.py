"""Orders: one customer's values for a template, from a file and ``--set``.

An order is a YAML mapping: ``template`` names the template, ``features``
holds per-deal features, and every other key is the value of a parameter the
template declares. A file may also hold a list of such mappings (a batch).

``--set name=value`` gives or overrides one value from the command line. The
value is read as a YAML scalar or flow list (``[a, b]``), or else taken as the
text it is; a string parameter always takes the text as written, and a list
parameter also accepts ``a,b,c``.

Each parameter's value is taken from ``--set``, else the order, else the
template's default, read into the parameter's type and checked against its
bounds.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ._parameters import BROKEN, ORDER_KEYS, Given, Parameter, ValueRefused, show
from ._schema import schema_problems
from ._template import Template
from ._yaml import (
    Findings,
    Where,
    YamlList,
    YamlMap,
    describe,
    describe_file,
    did_you_mean,
    excerpt,
    load_document,
    load_text,
)
from .errors import SetSyntaxError

__all__ = [
    "SET",
    "Assignment",
    "Order",
    "load_orders",
    "order_digest",
    "parse_assignments",
    "resolve_values",
    "template_candidates",
]

ORDER_SCHEMA = "order.schema.json"
#: The file label of values given with ``--set``.
SET = "--set"
TEMPLATE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Order:
    """One order: its values with their positions, and the bytes it hashes to."""

    path: Path
    label: str
    data: YamlMap
    #: The bytes the order's hash covers: the file, or this order's part of it.
    source: bytes

    @property
    def template(self) -> str | None:
        reference = self.data.get("template")
        return reference if isinstance(reference, str) and reference else None

    @property
    def features(self) -> YamlMap | None:
        features = self.data.get("features")
        return features if isinstance(features, YamlMap) else None

    def value_keys(self) -> list[str]:
        """Keys that are parameter values: all but template and features."""
        return [key for key in self.data if key not in ORDER_KEYS]


@dataclass(frozen=True)
class Assignment:
    """One ``--set name=value``: the value read as YAML, and as written."""

    name: str
    value: Any
    text: str
    where: Where


def load_orders(path: Path, findings: Findings) -> list[Order]:
    """The order in ``path``, or each order of a list in it."""
    label = os.path.normpath(path)
    document = load_document(path, label)
    findings.extend(document.problems)
    if document.data is None and document.problems:
        return []

    whole = not isinstance(document.data, YamlList)
    if whole:
        items = [(document.data, Where(label, 1, 1))]
    else:
        items = list(zip(document.data, document.data.item_where, strict=True))

    orders: list[Order] = []
    for item, where in items:
        if not isinstance(item, YamlMap):
            found = describe_file(item) if whole else describe(item)
            findings.report(
                where,
                "an order is a mapping such as 'template: premium' and "
                f"'account_id: ...'; found {found}",
            )
            continue
        findings.extend(schema_problems(item, ORDER_SCHEMA, label), from_schema=True)
        source = document.raw if len(items) == 1 else _part(document.raw, item)
        orders.append(Order(path, label, item, source))
    return orders


def parse_assignments(sets: Sequence[str], findings: Findings) -> list[Assignment]:
    """``--set`` strings as assignments; a repeated one is a problem.

    A ``--set`` that is not ``name=value`` raises ``SetSyntaxError`` at once,
    alone: the command was used wrongly, and a value it may have meant to
    give would otherwise be reported missing as well.
    """
    where = Where(SET)
    malformed = [
        where.problem(f"{describe(text)} is not name=value; write e.g. --set seats=150")
        for text in sets
        if not _split(text)[0]
    ]
    if malformed:
        raise SetSyntaxError(malformed)

    assignments: list[Assignment] = []
    for text in sets:
        name, value_text = _split(text)
        if any(earlier.name == name for earlier in assignments):
            findings.report(where, f"{excerpt(name)} is set twice; give it once")
        else:
            value = _read_set_value(value_text)
            assignments.append(Assignment(name, value, value_text, where))
    return assignments


def _split(text: str) -> tuple[str, str]:
    """Name and value text of ``name=value``; the name is empty if malformed."""
    name, equals, value_text = text.partition("=")
    return (name.strip() if equals else ""), value_text


def template_candidates(
    reference: str, order_path: Path, templates_dir: Path | None
) -> list[Path]:
    """Where the template an order names may be, most likely first.

    A reference with a folder in it (``../templates/premium.yaml``) is a path
    relative to the order. A bare name (``premium`` or ``premium.yaml``) is
    looked up in ``templates_dir`` (default ``./templates``), beside the
    order, then in a ``templates`` folder beside the order or any folder
    above it, so the shipped examples work from any working directory.
    """
    order_dir = order_path.parent
    if "/" in reference or "\\" in reference or Path(reference).is_absolute():
        return [order_dir / reference]

    file_name = reference
    if not reference.endswith(TEMPLATE_SUFFIXES):
        file_name += ".yaml"
    places = [templates_dir or Path("templates"), order_dir]
    places += [folder / "templates" for folder in [order_dir, *order_dir.parents]]

    candidates: list[Path] = []
    for place in places:
        if place / file_name not in candidates:
            candidates.append(place / file_name)
    return candidates


def order_digest(order: Order | None, assignments: Sequence[Assignment]) -> str | None:
    """SHA-256 of the order's bytes with each ``--set`` appended; None if neither."""
    if order is None and not assignments:
        return None
    digest = hashlib.sha256(order.source if order is not None else b"")
    for assignment in assignments:
        digest.update(f"\n--set {assignment.name}={assignment.text}".encode())
    return digest.hexdigest()


def resolve_values(
    template: Template,
    order: Order | None,
    assignments: Sequence[Assignment],
    now: datetime,
    findings: Findings,
) -> dict[str, Given]:
    """Every declared parameter's value, typed and bounded; BROKEN where refused."""
    by_name = {assignment.name: assignment for assignment in assignments}
    _refuse_unknown(template, order, by_name, findings)

    values = {
        name: _value(parameter, template, order, by_name.get(name), now, findings)
        for name, parameter in template.parameters.items()
    }
    values.update({name: Given(BROKEN, Where(SET)) for name in template.broken})

    start = values["start"].value
    reference = start if isinstance(start, datetime) else now
    for name, parameter in template.parameters.items():
        given = values[name]
        reason = (
            None if given.broken else parameter.refuse_bounds(given.value, reference)
        )
        if reason is not None:
            findings.report(given.where, f"{name} is {show(given.value)}; {reason}")
            values[name] = Given(BROKEN, given.where)
    return values


def _refuse_unknown(
    template: Template,
    order: Order | None,
    assignments: dict[str, Assignment],
    findings: Findings,
) -> None:
    known = sorted([*template.parameters, *template.broken])

    def unknown(name: str) -> str:
        hint = did_you_mean(name, [*known, *ORDER_KEYS])
        advice = hint or f"; it takes {', '.join(known)}"
        return f"{excerpt(name)} is not a parameter of template {template.name}{advice}"

    if order is not None:
        for key in order.value_keys():
            if key not in known:
                findings.report(order.data.key_where[key], unknown(key))
    for name, assignment in assignments.items():
        if name in ORDER_KEYS:
            findings.report(
                assignment.where, f"--set cannot change {name}; edit the order"
            )
        elif name not in known:
            findings.report(assignment.where, unknown(name))


def _value(
    parameter: Parameter,
    template: Template,
    order: Order | None,
    assignment: Assignment | None,
    now: datetime,
    findings: Findings,
) -> Given:
    """--set, else the order, else the default, read as the parameter's type."""
    name = parameter.name
    if assignment is not None:
        raw, where = _set_value_for(parameter, assignment), assignment.where
    elif order is not None and name in order.data:
        raw, where = order.data[name], order.data.value_where[name]
    else:
        where = parameter.default_where or Where(template.label)
        return _default(parameter, where, order, now, findings)

    try:
        value = parameter.accept(raw)
    except ValueRefused as error:
        findings.report(where, f"{name} is {describe(raw)}; {error}")
        return Given(BROKEN, where)
    if value is None:
        return _default(parameter, where, order, now, findings)
    return Given(value, where)


def _default(
    parameter: Parameter,
    where: Where,
    order: Order | None,
    now: datetime,
    findings: Findings,
) -> Given:
    """The declared default (already typed); ``start`` defaults to now."""
    if parameter.required:
        _report_missing(parameter, order, findings)
        return Given(BROKEN, where)
    if parameter.name == "start" and parameter.default is None:
        return Given(now.replace(microsecond=0), where)
    return Given(parameter.default, where)


def _report_missing(
    parameter: Parameter, order: Order | None, findings: Findings
) -> None:
    name = parameter.name
    about = f" ({parameter.description})" if parameter.description else ""
    wanted = f"{parameter.expected()}{about}"
    if order is not None and name in order.data:
        findings.report(order.data.value_where[name], f"{name} is empty; give {wanted}")
        return
    place = order.data.where if order is not None else Where(SET)
    findings.report(
        place,
        f"missing {name}: {wanted}; add '{name}: ...' to the order or pass "
        f"--set {name}=...",
    )


def _set_value_for(parameter: Parameter, assignment: Assignment) -> Any:
    if parameter.type == "string":
        return assignment.text
    if parameter.type == "list" and isinstance(assignment.value, str):
        return [item.strip() for item in assignment.value.split(",")]
    return assignment.value


def _read_set_value(text: str) -> Any:
    value, problems = load_text(text, SET)
    if problems or isinstance(value, dict):
        return text
    return list(value) if isinstance(value, list) else value


def _part(raw: bytes, item: YamlMap) -> bytes:
    """The text of one order of a list, which its hash covers."""
    start, end = item.span
    return raw.decode("utf-8")[start:end].encode()
