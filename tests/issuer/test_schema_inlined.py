"""The schemas validated with their references inlined judge as the originals.

``issuer._schema`` replaces each ``$ref`` by what it points to, to spare
jsonschema a lookup per key; these tests hold that to the same errors, at the
same places, as validating the schema files as written.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from issuer._schema import SCHEMAS, _inlined, _schema, _validator

ORDERS: list[Any] = [
    {"template": "premium", "account_id": "acme", "seats": 10},
    {"template": "", "Bad-Name": 1, "features": {"user_limit": "lots"}},
    {"features": {"agents": {"soft": "x", "hard": 3, "other": 1}, "BAD": None}},
    {"deployment_ids": [["nested"]], "start": {"a": 1}},
    ["not", "a", "mapping"],
]
TEMPLATES: list[Any] = [
    {"feature_set": "premium", "term": "1y", "trial": "${trial}"},
    {"term": "soon", "trial": "maybe", "parameters": {"seats": {"type": "float"}}},
    {"parameters": {"x": {"min": 1}}, "features": {"a": {"soft": 1.5}}},
]


def _original(name: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry()
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        registry = registry.with_resource(
            path.name, Resource.from_contents(_schema(path.name))
        )
    return Draft202012Validator(_schema(name), registry=registry)


def _errors(validator: Draft202012Validator, instance: Any) -> list[tuple]:
    found = []
    for error in validator.iter_errors(instance):
        context = [
            (
                list(sub.relative_schema_path)[:1],
                list(sub.absolute_path),
                sub.validator,
                sub.schema.get("x-expected"),
            )
            for sub in error.context or ()
            if isinstance(sub.schema, dict)
        ]
        context.sort(key=repr)
        expected = (
            error.schema.get("x-expected") if isinstance(error.schema, dict) else None
        )
        found.append((list(error.absolute_path), error.validator, expected, context))
    return sorted(found, key=repr)


@pytest.mark.parametrize(
    ("name", "instance"),
    [("order.schema.json", each) for each in ORDERS]
    + [("template.schema.json", each) for each in TEMPLATES],
)
def test_inlined_schema_reports_the_same_errors(name: str, instance: Any) -> None:
    assert _errors(_validator(name), instance) == _errors(_original(name), instance)


def test_no_reference_is_left_in_the_shipped_schemas() -> None:
    for name in ("order.schema.json", "template.schema.json"):
        assert "$ref" not in json.dumps(_validator(name).schema)


def test_a_reference_beside_a_validating_keyword_is_kept() -> None:
    node = {"$ref": "#/$defs/name", "maxLength": 3}
    assert _inlined(node, "template.schema.json", ()) == node


def test_a_reference_outside_the_schemas_is_kept() -> None:
    node = {"$ref": "https://example.com/other.json#/$defs/x"}
    assert _inlined(node, "template.schema.json", ()) == node


def test_a_reference_back_to_itself_is_kept() -> None:
    target = "template.schema.json#/$defs/name"
    node = {"$ref": "#/$defs/name"}
    assert _inlined(node, "template.schema.json", (target,)) == node


def test_annotations_beside_a_reference_give_way_to_the_target() -> None:
    node = {"$ref": "#/$defs/text", "description": "kept", "x-expected": "lost"}
    inlined = _inlined(node, "template.schema.json", ())
    assert inlined["description"] == "kept"
    assert (
        inlined["x-expected"]
        == _schema("template.schema.json")["$defs"]["text"]["x-expected"]
    )
