"""YAML files that remember where every key and value was written.

Templates and orders are written by people, and every refusal has to point at
a line. ``yaml.safe_load`` forgets positions, so this module lets a restricted
safe loader compose the node tree and builds the Python values from it itself,
keeping each key's and value's line and column beside it.

The loader reads plain scalars the YAML 1.2 way: ``yes``, ``no`` and ``on``
stay text (a country code ``NO`` must not become ``false``), dates stay text
(the compiler reads them, with their zones), and ``0755`` is not octal. Tags
other than the standard ones are refused, so no Python object is ever built,
and so are anchors and aliases, so that no file can expand into more values
than it writes out.

Refusals end up in terminals and logs, so a value found in a file is shown as
a short excerpt on one line (``excerpt``, ``describe``), and a whole file
that is not what was expected is described, never shown (``describe_file``):
a key file named by mistake must not be printed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem
from .files import MAX_INPUT_BYTES, InputTooLarge, read_limited

__all__ = [
    "Document",
    "Findings",
    "Where",
    "YamlList",
    "YamlMap",
    "describe",
    "describe_file",
    "did_you_mean",
    "excerpt",
    "is_file",
    "load_document",
    "load_text",
    "locate",
]

_TAG = "tag:yaml.org,2002:"
#: The most characters of a found value a message shows; a longer one is cut.
EXCERPT_LIMIT = 40
_HEAD = EXCERPT_LIMIT * 2 // 3
_TAIL = EXCERPT_LIMIT - _HEAD - 1
_PEM = "-----BEGIN"
PEM_FILE = "a PEM block, not YAML: is this a key file?"
PEM_VALUE = "a PEM block (a key or certificate?)"
ALIASES = (
    "YAML anchors and aliases (&name, *name) are not supported in licensesmith "
    "files; write the value out"
)
#: How deep lists and mappings may nest; templates and orders need four or five.
MAX_DEPTH = 64


@dataclass(frozen=True)
class Where:
    """A position in an input: file label, 1-based line and column if known."""

    file: str
    line: int | None = None
    column: int | None = None

    def problem(self, message: str) -> Problem:
        return Problem(self.file, message, self.line, self.column)


class YamlMap(dict[str, Any]):
    """A mapping that knows where it, each of its keys and each value stand.

    Positions are kept per entry, with their file, so that a mapping merged
    from several templates still points each entry at the file it came from.
    """

    def __init__(self, where: Where) -> None:
        super().__init__()
        self.where = where
        self.key_where: dict[str, Where] = {}
        self.value_where: dict[str, Where] = {}
        #: Start and end offsets of the mapping in the text it was read from.
        self.span = (0, 0)

    def put(self, key: str, value: Any, key_where: Where, value_where: Where) -> None:
        self[key] = value
        self.key_where[key] = key_where
        self.value_where[key] = value_where

    def copy_entry(self, source: YamlMap, key: str) -> None:
        """Take ``source[key]`` with its positions."""
        self.put(key, source[key], source.key_where[key], source.value_where[key])

    def drop(self, key: str) -> None:
        del self[key]
        del self.key_where[key]
        del self.value_where[key]


class YamlList(list[Any]):
    """A sequence that knows where it and each of its items stand."""

    def __init__(self, where: Where) -> None:
        super().__init__()
        self.where = where
        self.item_where: list[Where] = []

    def add(self, value: Any, where: Where) -> None:
        self.append(value)
        self.item_where.append(where)


class Findings:
    """Every problem of one compile, kept so that all can be reported at once.

    The schema check and the compiler sometimes see the same mistake; the
    compiler's words are the more specific, so a schema complaint gives way to
    a compiler complaint about the same place.
    """

    def __init__(self) -> None:
        self._found: list[tuple[Problem, bool]] = []

    def add(self, problem: Problem, *, from_schema: bool = False) -> None:
        self._found.append((problem, from_schema))

    def report(self, where: Where, message: str) -> None:
        self.add(where.problem(message))

    def extend(self, problems: Sequence[Problem], *, from_schema: bool = False) -> None:
        for problem in problems:
            self.add(problem, from_schema=from_schema)

    def __bool__(self) -> bool:
        return bool(self._found)

    def problems(self, file_order: Sequence[str] = ()) -> list[Problem]:
        """Unique problems, by file (``file_order`` first), line and column."""
        specific = {_place(p) for p, from_schema in self._found if not from_schema}
        kept: list[Problem] = []
        for problem, from_schema in self._found:
            if from_schema and _place(problem) in specific:
                continue
            if problem not in kept:
                kept.append(problem)

        rank = {name: index for index, name in enumerate(file_order)}
        return sorted(
            kept,
            key=lambda p: (rank.get(p.file, len(rank)), p.line or 0, p.column or 0),
        )


def _place(problem: Problem) -> tuple[str, int | None, int | None]:
    return (problem.file, problem.line, problem.column)


@dataclass
class Document:
    """One loaded YAML file: its bytes, its values, and what went wrong."""

    path: Path
    label: str
    raw: bytes
    data: Any
    problems: list[Problem] = field(default_factory=list)


def load_document(path: Path, label: str | None = None) -> Document:
    """Read and parse ``path``; problems are collected, never raised."""
    label = label if label is not None else str(path)
    try:
        raw = read_limited(path)
    except InputTooLarge:
        message = f"over {MAX_INPUT_BYTES:,} bytes, far more than a template or order"
        return Document(path, label, b"", None, [Problem(label, message)])
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or "not a usable file name"
        return Document(
            path, label, b"", None, [Problem(label, f"cannot read: {reason}")]
        )

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (byte {error.start}); save the file as UTF-8"
        return Document(path, label, raw, None, [Problem(label, message)])

    data, problems = load_text(text, label)
    return Document(path, label, raw, data, problems)


def is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False for a name the system cannot look up.

    Paths come from files (``extends:``, an order's ``template:``), so one may
    be too long or hold a NUL, which ``Path.is_file`` raises on.
    """
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def load_text(text: str, label: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document into YamlMap / YamlList / scalars, with problems."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except _Refused as error:
        return None, [_marked(label, str(error.problem), error.problem_mark)]
    except yaml.MarkedYAMLError as error:
        return None, [_syntax_problem(error, label, text)]
    except yaml.reader.ReaderError as error:
        code = error.character
        shown = f"U+{code:04X}" if isinstance(code, int) else repr(code)
        message = f"not valid YAML: the character {shown} is not allowed; remove it"
        return None, [Problem(label, message)]
    except yaml.YAMLError as error:
        return None, [Problem(label, f"not valid YAML: {error}")]

    if node is None:
        return None, []
    # A refused tag or a repeated key makes the whole file unusable, as a
    # syntax error does: what is left would be a guess at what was meant.
    problems: list[Problem] = []
    data = _Builder(label, problems).build(node)
    return (None if problems else data), problems


def locate(root: Any, path: Sequence[Any], *, key: bool = False) -> Where | None:
    """The position of the value at ``path`` (of its key with ``key=True``).

    Stops at the deepest step that exists, so a path into a missing entry
    points at the mapping that lacks it.
    """
    where = getattr(root, "where", None)
    node = root
    for index, step in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, YamlMap) and step in node:
            where = node.key_where[step] if key and last else node.value_where[step]
            node = node[step]
        elif isinstance(node, YamlList) and isinstance(step, int) and step < len(node):
            where = node.item_where[step]
            node = node[step]
        else:
            break
    return where


def _closest(name: str, choices: Sequence[str]) -> str | None:
    """The choice ``name`` was most likely meant to be, if any is close."""
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, choices: Sequence[str]) -> str:
    """``"; did you mean x?"`` or nothing."""
    best = _closest(name, choices)
    return f"; did you mean {best}?" if best else ""


def excerpt(text: str) -> str:
    """``text`` on one line, cut to ``EXCERPT_LIMIT`` characters around a ``…``.

    Every found name or value a message shows goes through here (or through
    ``describe``, which uses it), so that no refusal prints a whole file.
    """
    if _PEM in text:
        return "(a PEM block)"
    if len(text) <= EXCERPT_LIMIT:
        return _one_line(text)
    return f"{_one_line(text[:_HEAD])}…{_one_line(text[-_TAIL:])}"


def describe(value: Any) -> str:
    """A value as a person wrote it, for "found ..., expected ..." messages.

    Text is quoted, and a long value is cut with its length given:
    ``'root:x:0:0:root:/root:/bin…/sbin/nologin' (1,220 characters)``.
    """
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        if _PEM in value:
            return PEM_VALUE
        return _with_length(f"'{excerpt(value)}'", value, "characters")
    text = str(value)
    return _with_length(
        excerpt(text), text, "digits" if isinstance(value, int) else "characters"
    )


def describe_file(value: Any) -> str:
    """What a whole file holds, in words, when it is not the mapping expected."""
    if isinstance(value, str) and _PEM in value:
        return PEM_FILE
    if isinstance(value, str):
        return f"text of {_count(len(value), 'character')}"
    if isinstance(value, list):
        return f"a list of {_count(len(value), 'item')}"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return describe(value)


def _one_line(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _with_length(shown: str, text: str, unit: str) -> str:
    return shown if len(text) <= EXCERPT_LIMIT else f"{shown} ({len(text):,} {unit})"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


# --- loading --------------------------------------------------------------


# libyaml's parser when PyYAML was built with it (several times faster), else
# PyYAML's own; both give the same nodes and marks.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Refused(yaml.MarkedYAMLError):
    """Something the composer will not compose, at its mark."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class _NoAliasComposer(yaml.composer.Composer):
    """Refuses an anchor or alias, or deep nesting, as soon as it is met.

    An alias is cheap to compose (it is the anchored node again) but every
    walk over the values then visits it once per use, so nine nested levels
    of ten aliases in 400 bytes become a billion values. Refusing anchors
    outright, before any node is built, leaves nothing to expand. Nesting is
    bounded so that no walk over the values runs out of stack.
    """

    _depth = 0
    #: From the parser this composer is always mixed with.
    peek_event: Callable[[], yaml.Event]

    def compose_node(self, parent: Any, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(ALIASES, event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise _Refused(
                f"lists and mappings nested more than {MAX_DEPTH} deep; "
                "a template or order needs a few levels, so flatten this",
                event.start_mark,
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Loader(_NoAliasComposer, _SafeLoader):  # type: ignore[misc]
    """Safe loader whose plain scalars resolve as in YAML 1.2's core schema.

    libyaml (when present) still scans and parses; the nodes are composed by
    ``_NoAliasComposer`` from its events, which costs a few per cent.
    """

    def __init__(self, stream: str) -> None:
        _SafeLoader.__init__(self, stream)
        yaml.composer.Composer.__init__(self)


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?(?:0|[1-9][0-9_]*)", "-+0123456789"),
    (
        "float",
        r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+0123456789.",
    ),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
]:
    _Loader.add_implicit_resolver(
        _TAG + _tag, re.compile(f"^(?:{_pattern})$"), list(_first)
    )


class _Builder:
    """Turns composed nodes into values, recording problems as it goes."""

    def __init__(self, label: str, problems: list[Problem]) -> None:
        self.label = label
        self.problems = problems

    def where(self, node: yaml.Node) -> Where:
        mark = node.start_mark
        return Where(self.label, mark.line + 1, mark.column + 1)

    def refuse(self, node: yaml.Node, message: str) -> None:
        self.problems.append(self.where(node).problem(message))

    def build(self, node: yaml.Node) -> Any:
        # Anchors are refused while composing, so the nodes form a tree.
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node)
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode) -> YamlMap:
        if node.tag != _TAG + "map":
            self.refuse(node, f"the tag {_short(node.tag)} is not allowed; remove it")
        result = YamlMap(self.where(node))
        result.span = (node.start_mark.index, node.end_mark.index)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.refuse(
                    key_node, "a key must be a plain name, not a list or mapping"
                )
                continue
            key = key_node.value
            if key in result:
                first = result.key_where[key].line
                self.refuse(
                    key_node,
                    f"{excerpt(key)} appears twice (first on line {first}); keep one",
                )
                continue
            value = self.build(value_node)
            result.put(key, value, self.where(key_node), self.where(value_node))
        return result

    def sequence(self, node: yaml.SequenceNode) -> YamlList:
        if node.tag != _TAG + "seq":
            self.refuse(node, f"the tag {_short(node.tag)} is not allowed; remove it")
        result = YamlList(self.where(node))
        for item in node.value:
            result.add(self.build(item), self.where(item))
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        kind = node.tag.removeprefix(_TAG)
        text = node.value
        try:
            if kind == "str":
                return text
            if kind == "null":
                return None
            if kind == "bool" and text.lower() in ("true", "false"):
                return text.lower() == "true"
            if kind == "int":
                return int(text.replace("_", ""))
            if kind == "float":
                return float(text.replace("_", ""))
        except ValueError:
            pass
        if kind in ("str", "null", "bool", "int", "float"):
            self.refuse(
                node, f"{describe(text)} cannot be read as {kind}; remove the tag"
            )
        else:
            self.refuse(
                node, f"the tag {_short(node.tag)} is not allowed; write a plain value"
            )
        return None


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def _syntax_problem(error: yaml.MarkedYAMLError, label: str, text: str) -> Problem:
    if _PEM in text:
        before = text[: text.index(_PEM)]
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        return Problem(label, f"found {PEM_FILE}", line, column)
    mark = error.problem_mark or error.context_mark
    reason = error.problem or "unreadable"
    if error.context:
        reason = f"{reason} ({error.context})"
    message = f"not valid YAML: {reason}; check the indentation and quotes"
    return _marked(label, message, mark)


def _marked(label: str, message: str, mark: yaml.Mark | None) -> Problem:
    if mark is None:
        return Problem(label, message)
    return Problem(label, message, mark.line + 1, mark.column + 1)
