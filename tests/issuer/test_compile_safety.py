"""What a refusal may show of its input, and inputs that must fail fast.

A refusal is printed in a terminal and kept in logs, so it shows at most a
short, one-line excerpt of any value it found, and describes (never shows) a
whole file that is not a template or order: a key file named by mistake
must not end up on the screen. YAML anchors and aliases are refused while the
file is composed, so a few hundred bytes cannot expand into billions of values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from issuer._yaml import load_text
from issuer.compiler import compile_order, compile_orders
from issuer.errors import CompileError, Problem

FIXTURES = Path(__file__).parent / "fixtures" / "compile"
ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, tzinfo=UTC)
EXCERPT = 40

#: Stand-ins for something secret: no 41 characters of them may be shown.
SECRET = "s3cret_" + "".join(f"{number:03d}" for number in range(100)) + "_end"
DIGITS = "".join(str(number) for number in range(1, 200))[:400]
ORDER = "template: deal\naccount_id: acct-1\nstart: 2027-01-01\nseats: 10\n"
ALIASES = (
    "YAML anchors and aliases (&name, *name) are not supported in licensesmith "
    "files; write the value out"
)


def shows_more_than_an_excerpt(text: str, secret: str) -> bool:
    width = EXCERPT + 1
    return any(
        secret[start : start + width] in text
        for start in range(len(secret) - width + 1)
    )


def refusals(
    tmp_path: Path,
    *,
    template: Callable[[str], str] = lambda text: text,
    order: Callable[[str], str] | None = lambda text: text,
    sets: tuple[str, ...] = (),
    given: bool = False,
) -> list[Problem]:
    """Problems of deal.yaml and ORDER, each changed by the case, in tmp_path."""
    template_path = tmp_path / "deal.yaml"
    template_path.write_text(template((FIXTURES / "deal.yaml").read_text()))
    order_path = None
    if order is not None:
        order_path = tmp_path / "order.yaml"
        order_path.write_text(order(ORDER))
    with pytest.raises(CompileError) as raised:
        compile_order(
            template_path if given or order is None else None,
            order_path,
            sets,
            now=NOW,
        )
    return raised.value.problems


def _add(line: str) -> Callable[[str], str]:
    return lambda text: text + line + "\n"


def _swap(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new)


# (id, secret the problems must not show, keyword arguments of refusals())
LONG_VALUES = [
    ("integer", SECRET, {"order": _swap("seats: 10", f"seats: '{SECRET}'")}),
    ("huge-integer", DIGITS, {"order": _swap("seats: 10", f"seats: {DIGITS}")}),
    ("date", SECRET, {"order": _swap("start: 2027-01-01", f"start: '{SECRET}'")}),
    ("text-expected", DIGITS, {"order": _swap("acct-1", DIGITS)}),
    ("unknown-order-key", SECRET, {"order": _add(f"{SECRET}: 1")}),
    ("unusable-key", SECRET.upper(), {"order": _add(f"{SECRET.upper()}: 1")}),
    (
        "block-text",
        SECRET,
        {"order": _swap("seats: 10", f"seats: |\n  one line\n  {SECRET}")},
    ),
    ("tag", SECRET, {"order": _swap("seats: 10", f"seats: !!int '{SECRET}'")}),
    (
        "list-item-twice",
        SECRET,
        {"order": _add(f"deployment_ids: ['{SECRET}', '{SECRET}']")},
    ),
    (
        "list-item-pattern",
        SECRET,
        {
            "template": _swap(
                "parameters:\n",
                "parameters:\n  deployment_ids: {type: list, pattern: '[a-z]+'}\n",
            ),
            "order": _add(f"deployment_ids: ['{SECRET}']"),
        },
    ),
    ("huge-feature", DIGITS, {"order": _add(f"features:\n  audit_log: {DIGITS}")}),
    ("unknown-feature", SECRET, {"order": _add(f"features:\n  {SECRET}: 1")}),
    ("order-template", SECRET, {"order": _swap("deal", f"'{SECRET}'")}),
    (
        "order-template-disagrees",
        SECRET,
        {"order": _swap("deal", f"'{SECRET}'"), "given": True},
    ),
    (
        "feature-set",
        SECRET,
        {"template": _swap("feature_set: premium", f"feature_set: '{SECRET}'")},
    ),
    ("term", SECRET, {"template": _swap("term: ${length}", f"term: '{SECRET}'")}),
    ("flag", SECRET, {"template": _add(f"trial: '{SECRET}'")}),
    (
        "unclosed-reference",
        SECRET,
        {"template": _swap("salesforce", f"'${{crm{SECRET}'")},
    ),
    (
        "unknown-reference",
        SECRET,
        {"template": _swap("salesforce", f"'${{{SECRET}}}'")},
    ),
    (
        "declaration-default",
        SECRET,
        {"template": _swap("default: 1y", f"default: '{SECRET}'")},
    ),
    ("extends", SECRET, {"template": lambda text: f"extends: '{SECRET}'\n" + text}),
    ("set-value", SECRET, {"sets": (f"seats={SECRET}",)}),
    ("set-without-equals", SECRET, {"sets": (SECRET,)}),
]


@pytest.mark.parametrize(
    ("secret", "case"),
    [pytest.param(secret, case, id=name) for name, secret, case in LONG_VALUES],
)
def test_a_found_value_is_shown_as_one_short_line(
    tmp_path: Path, secret: str, case: dict[str, object]
) -> None:
    problems = refusals(tmp_path, **case)  # type: ignore[arg-type]

    for problem in problems:
        assert "\n" not in str(problem)
        assert not shows_more_than_an_excerpt(str(problem), secret), str(problem)


def test_a_long_value_is_cut_with_an_ellipsis_and_its_length(tmp_path: Path) -> None:
    problems = refusals(tmp_path, order=_swap("seats: 10", f"seats: '{SECRET}'"))

    [problem] = problems
    assert problem.message == (
        f"seats is '{SECRET[:26]}…{SECRET[-13:]}' ({len(SECRET)} characters); "
        "expected a whole number such as 150"
    )


@pytest.mark.parametrize(
    "key_file",
    [ROOT / "keys.example" / "example.key", ROOT / "tests" / "keys" / "other.key"],
    ids=["pem-only", "pem-after-text"],
)
def test_a_key_file_is_described_never_shown(key_file: Path) -> None:
    body = key_file.read_text().split("-----")[2].strip()
    for template, order in [(key_file, None), (None, key_file)]:
        with pytest.raises(CompileError) as raised:
            compile_order(template, order, ["account_id=a"], now=NOW)

        [problem] = raised.value.problems
        assert "a PEM block, not YAML: is this a key file?" in problem.message
        assert body[:8] not in str(problem) and "BEGIN" not in str(problem)


def test_extending_a_file_that_is_not_a_template_describes_it(tmp_path: Path) -> None:
    passwd = tmp_path / "passwd"
    passwd.write_text(
        "".join(
            f"user{n}:x:{n}:{n}:User {n}:/home/user{n}:/bin/sh\n" for n in range(40)
        )
    )
    template = tmp_path / "t.yaml"
    template.write_text(f"extends: {passwd}\naccount_type: x\nfeature_set: ''\n")
    length = len(" ".join(passwd.read_text().split()))

    with pytest.raises(CompileError) as raised:
        compile_order(template, None, ["account_id=a"], now=NOW)

    [problem] = raised.value.problems
    assert (problem.file, problem.line) == (str(passwd), 1)
    assert problem.message == (
        "a template is a mapping of keys such as feature_set and term; "
        f"found text of {length:,} characters"
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("just some words\n", "found text of 15 characters"),
        ("150\n", "found a number"),
        ("[a, b]\n", "found a list of 2 items"),
    ],
)
def test_a_file_that_is_not_a_mapping_is_described(
    tmp_path: Path, text: str, found: str
) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(text)

    with pytest.raises(CompileError) as raised:
        compile_order(template, None, ["account_id=a"], now=NOW)

    [problem] = raised.value.problems
    assert problem.message.endswith(found), problem.message


def test_an_order_file_of_plain_text_is_described(tmp_path: Path) -> None:
    order = tmp_path / "order.yaml"
    order.write_text("just some words\n")

    with pytest.raises(CompileError) as raised:
        compile_order(FIXTURES / "deal.yaml", order, now=NOW)

    [problem] = raised.value.problems
    assert problem.message == (
        "an order is a mapping such as 'template: premium' and 'account_id: ...'; "
        "found text of 15 characters"
    )


# --- anchors and aliases ------------------------------------------------------


def _bomb(levels: int = 9) -> str:
    """An order whose last alias would expand into 10**levels values."""
    lines = ["template: deal", "account_id: acct-1", "seats: 10"]
    lines.append("a0: &a0 [x, x, x, x, x, x, x, x, x, x]")
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    order = tmp_path / "bomb.yaml"
    order.write_text(_bomb())

    with pytest.raises(CompileError) as raised:
        compile_order(FIXTURES / "deal.yaml", order, now=NOW)

    assert raised.value.problems == [Problem(str(order), ALIASES, 4, 5)]


def test_an_alias_bomb_in_a_batch_is_refused(tmp_path: Path) -> None:
    order = tmp_path / "bomb.yaml"
    order.write_text(_bomb())

    with pytest.raises(CompileError) as raised:
        compile_orders(order, now=NOW, template_path=FIXTURES / "deal.yaml")

    assert [str(problem) for problem in raised.value.problems] == [
        f"{order} line 4 column 5: {ALIASES}"
    ]


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: &x 1\n", 1, 4),
        ("a: 1\nb: [1, *x]\n", 2, 8),
        ("a: !!str &x 1\n", 1, 4),
        ("- &x {b: 1}\n- *x\n", 1, 3),
        ("a: &x [*x]\n", 1, 4),
    ],
    ids=["unused-anchor", "undefined-alias", "tagged-anchor", "in-a-list", "loop"],
)
def test_anchors_and_aliases_are_refused_where_written(
    text: str, line: int, column: int
) -> None:
    data, problems = load_text(text, "x.yaml")

    assert data is None
    assert problems == [Problem("x.yaml", ALIASES, line, column)]


def test_a_template_with_an_anchor_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "account_type: &crm salesforce\nfeature_set: ''\nterm: 1y\ndescription: *crm\n"
    )

    with pytest.raises(CompileError) as raised:
        compile_order(template, None, ["account_id=a"], now=NOW)

    assert [str(p) for p in raised.value.problems] == [
        f"{template} line 1 column 15: {ALIASES}"
    ]


def test_deep_nesting_is_refused_where_it_goes_too_deep() -> None:
    data, problems = load_text("a: " + "[" * 100 + "]" * 100 + "\n", "x.yaml")

    assert data is None
    [problem] = problems
    assert (problem.line, problem.column) == (1, 4 + 63)
    assert problem.message.startswith("lists and mappings nested more than 64 deep")


def test_extreme_nesting_is_one_problem_not_a_crash() -> None:
    # PyYAML 6.0.4 and later refuse this depth themselves, earlier ones reach
    # our own limit: either way one located problem about nesting.
    data, problems = load_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "x.yaml")

    assert data is None
    [problem] = problems
    assert problem.line == 1
    assert "nest" in problem.message


@pytest.mark.parametrize(
    "reference",
    ["/", '"a\\0b"', "x" * 300],
    ids=["root", "nul", "too-long-for-the-system"],
)
def test_a_path_the_system_cannot_look_up_is_no_such_file(
    tmp_path: Path, reference: str
) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(f"extends: {reference}\naccount_type: x\nfeature_set: ''\n")
    order = tmp_path / "order.yaml"
    order.write_text(f"template: {reference}\naccount_id: a\n")

    for given, order_path, words in [
        (template, None, "but there is no such file"),
        (None, order, "not found (looked for"),
    ]:
        with pytest.raises(CompileError) as raised:
            compile_order(given, order_path, ["account_id=a"], now=NOW)

        [problem] = raised.value.problems
        assert problem.line == 1 and words in problem.message, problem.message
