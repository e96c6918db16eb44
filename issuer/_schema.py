"""Checks of templates and orders against the JSON Schemas in ``schemas/``.

The schemas describe the shape of each file (which keys exist, what kind of
value each takes) for the compiler and for editors alike. jsonschema's own
messages are written for programmers; this module rewords each violation as
"found ..., expected ..." at the line of the offending key or value, and
suggests the closest valid name for a misspelled key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from ._yaml import Where, describe, did_you_mean, excerpt, locate
from .errors import Problem

__all__ = ["schema_problems"]

SCHEMAS = Path(__file__).parent / "schemas"


@cache
def _schema(name: str) -> dict[str, Any]:
    with (SCHEMAS / name).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@cache
def _validator(name: str) -> Draft202012Validator:
    """A validator for ``name``; sibling schemas resolve by file name.

    The schema is validated with its references already in place: jsonschema
    looks a ``$ref`` up again at every use (for an order, once per key), and
    that lookup cost more than the checks it leads to. A reference that
    cannot be inlined stays, and the registry still resolves it.
    """
    registry: Registry[Any] = Registry()
    for sibling in sorted(path.name for path in SCHEMAS.glob("*.schema.json")):
        registry = registry.with_resource(
            sibling, Resource.from_contents(_schema(sibling))
        )
    return Draft202012Validator(_inlined(_schema(name), name, ()), registry=registry)


#: Keywords beside a ``$ref`` that only describe: inlining cannot change a result.
_ANNOTATIONS = frozenset({"description", "title", "$comment", "x-expected"})


def _inlined(node: Any, document: str, seen: tuple[str, ...]) -> Any:
    """``node`` with every ``$ref`` replaced by what it points to, where safe.

    A reference is kept when keywords that validate stand beside it (merging
    could change their meaning), when it is not a ``#/...`` pointer into one
    of our schemas, or when it leads back to itself.
    """
    if isinstance(node, list):
        return [_inlined(item, document, seen) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    target = _target(reference, document) if isinstance(reference, str) else None
    if target is None or target in seen or set(node) - _ANNOTATIONS - {"$ref"}:
        return {key: _inlined(value, document, seen) for key, value in node.items()}

    file_name, pointer = target.split("#", 1)
    resolved = _inlined(_pointed(file_name, pointer), file_name, (*seen, target))
    if not isinstance(resolved, dict):
        return node
    # The target's own annotations win: jsonschema reports its errors there.
    siblings = {key: value for key, value in node.items() if key != "$ref"}
    return {**siblings, **resolved}


def _target(reference: str, document: str) -> str | None:
    """``file#/pointer`` for a reference into one of ``schemas/``, else None."""
    file_name, hash_sign, pointer = reference.partition("#")
    file_name = file_name or document
    if not hash_sign or not pointer.startswith("/"):
        return None
    if not (SCHEMAS / file_name).is_file() or "~" in pointer or "%" in pointer:
        return None
    return f"{file_name}#{pointer}"


def _pointed(file_name: str, pointer: str) -> Any:
    node: Any = _schema(file_name)
    for step in pointer.strip("/").split("/"):
        node = node[step]
    return node


def schema_problems(root: Any, schema_name: str, label: str) -> list[Problem]:
    """Every violation of ``schemas/<schema_name>`` in ``root``, located."""
    explainer = _Explainer(root, label)
    errors = _validator(schema_name).iter_errors(root)
    problems = [problem for error in errors for problem in explainer.explain(error)]
    return sorted(
        problems, key=lambda problem: (problem.line or 0, problem.column or 0)
    )


class _Explainer:
    """Words jsonschema's errors as "found ..., expected ..., do ..."."""

    def __init__(self, root: Any, label: str) -> None:
        self.root = root
        self.label = label

    def at(self, path: Sequence[Any], *, key: bool = False) -> Where:
        return locate(self.root, path, key=key) or Where(self.label)

    def explain(self, error: ValidationError) -> Iterator[Problem]:
        path = list(error.absolute_path)
        if "propertyNames" in error.schema_path:
            yield self._bad_name(path, error.instance)
        elif error.validator == "additionalProperties":
            yield from self._unknown_keys(path, error)
        elif error.validator == "required":
            yield from self._missing_keys(path, error)
        elif error.validator in ("anyOf", "oneOf"):
            yield from self._alternatives(path, error)
        elif error.validator == "enum":
            yield self._not_one_of(path, error)
        else:
            yield self._unexpected(path, error)

    def _bad_name(self, path: list[Any], name: str) -> Problem:
        message = (
            f"{describe(name)} is not a usable name{_inside(path)}; use lower-case "
            "letters, digits and _, starting with a letter"
        )
        return self.at([*path, name], key=True).problem(message)

    def _unknown_keys(
        self, path: list[Any], error: ValidationError
    ) -> Iterator[Problem]:
        allowed = sorted(error.schema.get("properties", {}))
        for name in error.instance:
            if name in allowed:
                continue
            hint = (
                did_you_mean(name, allowed) or f"; expected one of {', '.join(allowed)}"
            )
            message = f"unknown key {excerpt(name)}{_inside(path)}{hint}"
            yield self.at([*path, name], key=True).problem(message)

    def _missing_keys(
        self, path: list[Any], error: ValidationError
    ) -> Iterator[Problem]:
        properties = error.schema.get("properties", {})
        for name in error.validator_value:
            if name in error.instance:
                continue
            expected = properties.get(name, {}).get("x-expected", "a value")
            owner = _label(path) or "the file"
            message = f"{owner} has no {name}; add one: {expected}"
            yield self.at(path).problem(message)

    def _alternatives(
        self, path: list[Any], error: ValidationError
    ) -> Iterator[Problem]:
        """Explain the alternative that has the instance's shape, if only one has."""
        branches: dict[int, list[ValidationError]] = {}
        for sub_error in error.context or ():
            branches.setdefault(sub_error.relative_schema_path[0], []).append(sub_error)
        shaped = [
            errors
            for errors in branches.values()
            if not any(e.validator == "type" and not e.relative_path for e in errors)
        ]
        if isinstance(error.instance, dict | list) and len(shaped) == 1:
            for sub_error in shaped[0]:
                yield from self.explain(sub_error)
        else:
            yield self._unexpected(path, error)

    def _not_one_of(self, path: list[Any], error: ValidationError) -> Problem:
        choices = [str(choice) for choice in error.validator_value]
        hint = ""
        if isinstance(error.instance, str):
            hint = did_you_mean(error.instance, choices)
        message = (
            f"{_label(path)} is {describe(error.instance)}; expected one of "
            f"{', '.join(choices)}{hint}"
        )
        return self.at(path).problem(message)

    def _unexpected(self, path: list[Any], error: ValidationError) -> Problem:
        schema = error.schema if isinstance(error.schema, dict) else {}
        # Not error.message: jsonschema's words repeat the whole value found.
        expected = schema.get("x-expected") or _expected(error)
        owner = _label(path) or "the file"
        return self.at(path).problem(
            f"{owner} is {describe(error.instance)}; expected {expected}"
        )


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "nothing",
}


def _expected(error: ValidationError) -> str:
    """What the schema wanted, from the schema alone (never from the value)."""
    if error.validator == "type":
        kinds = error.validator_value
        kinds = kinds if isinstance(kinds, list) else [kinds]
        return " or ".join(_TYPE_WORDS.get(str(kind), str(kind)) for kind in kinds)
    return f"a value within {error.validator} {json.dumps(error.validator_value)}"


def _label(path: Sequence[Any]) -> str:
    """``features.user_limit`` or ``addons[2]`` for a path into a document."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


def _inside(path: Sequence[Any]) -> str:
    return f" in {_label(path)}" if path else ""
