"""Templates: a YAML file, or a chain of them joined by ``extends``.

This module loads the chain (refusing loops and missing files), checks each
file against ``schemas/template.schema.json`` and merges the chain into one
``Template``, root first:

- keys of an extending template replace those of the template it extends;
- ``parameters`` merge by name, then field by field, so a child can change a
  default and keep the inherited bounds (it restates ``type``, which must not
  change);
- ``features`` merge by name, whole entries; ``name: null`` drops one.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._parameters import BUILTIN_PARAMETERS, Parameter, declare
from ._schema import schema_problems
from ._yaml import (
    Document,
    Findings,
    Where,
    YamlMap,
    describe,
    describe_file,
    is_file,
    load_document,
)
from .errors import Problem
from .files import InputTooLarge, read_limited

__all__ = ["Template", "load_template", "merge_features"]

TEMPLATE_SCHEMA = "template.schema.json"
BUILTIN = "(built-in)"
#: How many parsed template files ``_parse`` keeps; a batch uses a handful.
PARSED_KEPT = 64


@dataclass(frozen=True)
class Template:
    """A template chain merged into one description, ready to be filled."""

    name: str
    path: Path
    #: File labels of the chain: the template first, then what it extends.
    labels: tuple[str, ...]
    sha256: str
    settings: YamlMap
    features: YamlMap
    parameters: dict[str, Parameter]
    #: Names whose declaration is unusable (and reported): orders may give them
    #: and ``${name}`` may use them without a second complaint.
    broken: frozenset[str]

    @property
    def label(self) -> str:
        return self.labels[0]


def load_template(path: Path, findings: Findings) -> Template | None:
    """Load ``path`` and what it extends; None when it cannot be used at all."""
    documents = _load_chain(path, findings)
    if documents is None:
        return None

    roots = [document.data for document in documents]
    settings, declarations, features = _merge(roots, findings)
    parameters = {
        name: declare(name, raw, findings) for name, raw in declarations.items()
    }

    digest = hashlib.sha256()
    for document in documents:
        digest.update(document.raw)
    return Template(
        name=path.stem,
        path=path,
        labels=tuple(document.label for document in documents),
        sha256=digest.hexdigest(),
        settings=settings,
        features=features,
        parameters={name: p for name, p in parameters.items() if p is not None},
        broken=frozenset(name for name, p in parameters.items() if p is None),
    )


def merge_features(features: YamlMap, layer: YamlMap | None) -> None:
    """Lay ``layer``'s features over ``features`` by name; null drops one."""
    if layer is None:
        return
    for name, value in layer.items():
        if value is not None:
            features.copy_entry(layer, name)
        elif name in features:
            features.drop(name)


# --- the extends chain ------------------------------------------------------


def _load_chain(path: Path, findings: Findings) -> list[Document] | None:
    """The template first, then each template it extends, in order."""
    documents: list[Document] = []
    current, via = path, None
    while True:
        label = os.path.normpath(current)
        if via is not None and not _can_extend(
            current, label, via, documents, findings
        ):
            return None

        document, schema = _parse(current, label)
        findings.extend(document.problems)
        if not isinstance(document.data, YamlMap):
            if document.data is not None or not document.problems:
                found = describe_file(document.data)
                findings.report(
                    Where(label, 1, 1),
                    f"a template is a mapping of keys such as feature_set and term; "
                    f"found {found}",
                )
            return None
        findings.extend(schema, from_schema=True)
        documents.append(document)

        reference = document.data.get("extends")
        if not isinstance(reference, str) or not reference:
            return documents
        via = document.data.value_where["extends"]
        current = _extended_path(current, reference)


_parsed: dict[tuple[str, bytes], Document] = {}


def _parse(path: Path, label: str) -> tuple[Document, list[Problem]]:
    """One template file, parsed and checked against the schema.

    A batch compiles thousands of orders against the same few templates, and
    parsing and schema-checking a file costs far more than reading it. So a
    file without problems is kept, keyed by its label and its exact bytes:
    the bytes are read again every time, and an edited file is parsed anew.
    """
    try:
        cached = _parsed.get((label, read_limited(path)))
    except (OSError, ValueError, InputTooLarge):
        cached = None  # load_document below says why it cannot be read
    if cached is not None:
        return cached, []

    document = load_document(path, label)
    if not isinstance(document.data, YamlMap):
        return document, []
    schema = schema_problems(document.data, TEMPLATE_SCHEMA, label)
    if not document.problems and not schema:
        if len(_parsed) >= PARSED_KEPT:
            del _parsed[next(iter(_parsed))]
        _parsed[(label, document.raw)] = document
    return document, schema


def _can_extend(
    target: Path, label: str, via: Where, chain: list[Document], findings: Findings
) -> bool:
    """Refuse a missing file or a loop, reported at the ``extends`` line."""
    if not is_file(target):
        extending = chain[-1]
        folder = os.path.normpath(extending.path.parent)
        findings.report(
            via,
            f"extends {describe(extending.data['extends'])}, but there is no such "
            f"file; the path is relative to this template's folder, {folder}",
        )
        return False
    if target.resolve() in [document.path.resolve() for document in chain]:
        loop = " -> ".join([*(document.label for document in chain), label])
        findings.report(
            via, f"extends makes a loop ({loop}); remove one of the extends"
        )
        return False
    return True


def _extended_path(template: Path, reference: str) -> Path:
    target = template.parent / reference
    if target.name and not target.suffix and not is_file(target):
        return target.with_suffix(".yaml")
    return target


# --- merging ----------------------------------------------------------------


def _merge(
    roots: list[YamlMap], findings: Findings
) -> tuple[YamlMap, dict[str, YamlMap], YamlMap]:
    """Settings, parameter declarations and features of the whole chain."""
    settings = YamlMap(roots[0].where)
    features = YamlMap(roots[0].where)
    declarations = {name: _builtin(raw) for name, raw in BUILTIN_PARAMETERS.items()}

    for root in reversed(roots):
        for key, value in root.items():
            if key == "parameters" and isinstance(value, YamlMap):
                _merge_parameters(declarations, value, findings)
            elif key == "features" and isinstance(value, YamlMap):
                merge_features(features, value)
            elif key not in ("extends", "parameters", "features"):
                settings.copy_entry(root, key)
    return settings, declarations, features


def _merge_parameters(
    declarations: dict[str, YamlMap], layer: YamlMap, findings: Findings
) -> None:
    for name, declaration in layer.items():
        if not isinstance(declaration, YamlMap):
            continue
        inherited = declarations.get(name)
        if inherited is None:
            declarations[name] = declaration
        elif _same_type(name, inherited, declaration, findings):
            merged = YamlMap(declaration.where)
            for source in (inherited, declaration):
                for key in source:
                    merged.copy_entry(source, key)
            declarations[name] = merged


def _same_type(
    name: str, inherited: YamlMap, declaration: YamlMap, findings: Findings
) -> bool:
    old, new = inherited.get("type"), declaration.get("type")
    if new is None or new == old:
        return True
    origin = inherited.value_where["type"].file
    origin = "built in" if origin == BUILTIN else f"declared in {origin}"
    findings.report(
        declaration.value_where["type"],
        f"{name} is {_a(str(old))} parameter ({origin}) and an extending template "
        f"cannot make it {new}; write type: {old}",
    )
    return False


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _builtin(raw: dict[str, Any]) -> YamlMap:
    where = Where(BUILTIN)
    declaration = YamlMap(where)
    for key, value in raw.items():
        declaration.put(key, value, where, where)
    return declaration
