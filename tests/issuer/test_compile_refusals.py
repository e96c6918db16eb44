"""Every refusal of SPEC section 7: the file, the line and the plain sentence.

Each case names a template and/or an order among ``fixtures/compile/``; the
order's ``template: deal`` finds ``deal.yaml`` beside it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from issuer.compiler import compile_order, compile_orders
from issuer.errors import CompileError, Problem, SetSyntaxError

FIXTURES = Path(__file__).parent / "fixtures" / "compile"
ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def problems_of(
    template: str | None, order: str | None, sets: tuple[str, ...] = ()
) -> list[Problem]:
    with pytest.raises(CompileError) as raised:
        compile_order(
            FIXTURES / template if template else None,
            FIXTURES / order if order else None,
            sets,
            now=NOW,
        )
    return raised.value.problems


# (template, order, --set values, file with the problem, line, words of the message)
REFUSALS = [
    pytest.param(
        None,
        "misspelled-feature.yaml",
        (),
        "misspelled-feature.yaml",
        5,
        "unknown feature managed_agents_limit; did you mean managed_agent_limit?",
        id="unknown-feature-suggests",
    ),
    pytest.param(
        None,
        "pair-as-number.yaml",
        (),
        "pair-as-number.yaml",
        6,
        "managed_agent_limit is a soft/hard pair, not one number",
        id="pair-written-as-number",
    ),
    pytest.param(
        None,
        "pair-half.yaml",
        (),
        "pair-half.yaml",
        5,
        "managed_agent_limit_soft is the soft half of managed_agent_limit",
        id="pair-half-written-directly",
    ),
    pytest.param(
        None,
        "missing-seats.yaml",
        (),
        "missing-seats.yaml",
        2,
        "missing seats: a whole number from 1 to 1000",
        id="missing-required-parameter",
    ),
    pytest.param(
        None,
        "seats-quoted.yaml",
        (),
        "seats-quoted.yaml",
        3,
        "seats is '150'; expected a whole number; remove the quotes",
        id="ill-typed-parameter",
    ),
    pytest.param(
        None,
        "good.yaml",
        ("seats=many",),
        "--set",
        None,
        "seats is 'many'; expected a whole number",
        id="ill-typed-set-value",
    ),
    pytest.param(
        None,
        "seats-zero.yaml",
        (),
        "seats-zero.yaml",
        3,
        "seats is 0; expected at least 1",
        id="below-minimum",
    ),
    pytest.param(
        None,
        "good.yaml",
        ("seats=1001",),
        "--set",
        None,
        "seats is 1001; expected at most 1000",
        id="above-maximum",
    ),
    pytest.param(
        None,
        "unknown-parameter.yaml",
        (),
        "unknown-parameter.yaml",
        4,
        "seat is not a parameter of template deal; did you mean seats?",
        id="unknown-parameter-in-order",
    ),
    pytest.param(
        None,
        "good.yaml",
        ("colour=blue",),
        "--set",
        None,
        "colour is not a parameter of template deal; it takes account_id",
        id="unknown-set-parameter",
    ),
    pytest.param(
        None,
        "missing-half.yaml",
        (),
        "missing-half.yaml",
        4,
        "managed_agent_limit has a soft limit but no hard limit: agents_hard has "
        "no value; give agents_hard too",
        id="pair-missing-half-from-parameters",
    ),
    pytest.param(
        None,
        "missing-half-literal.yaml",
        (),
        "missing-half-literal.yaml",
        5,
        "managed_agent_limit has a soft limit but no hard limit; give both",
        id="pair-missing-half-written",
    ),
    pytest.param(
        None,
        "hard-below-soft.yaml",
        (),
        "hard-below-soft.yaml",
        5,
        "managed_agent_limit hard limit 500 is below its soft limit 800; "
        "raise hard or lower soft",
        id="hard-below-soft",
    ),
    pytest.param(
        None,
        "negative-feature.yaml",
        (),
        "negative-feature.yaml",
        5,
        "audit_log is -1; feature values cannot be negative",
        id="negative-feature",
    ),
    pytest.param(
        None,
        "past-int64.yaml",
        (),
        "past-int64.yaml",
        5,
        "workspace_proxy is 9223372036854775808, past the 64-bit limit",
        id="past-int64",
    ),
    pytest.param(
        "bad-term.yaml",
        None,
        ("account_id=a",),
        "bad-term.yaml",
        3,
        "term: '1 year' is not a duration; write y for years",
        id="bad-duration-in-template",
    ),
    pytest.param(
        None,
        "bad-length.yaml",
        (),
        "bad-length.yaml",
        4,
        "length is '12 months'; write mo for months",
        id="bad-duration-parameter",
    ),
    pytest.param(
        "negative-grace.yaml",
        None,
        ("account_id=a",),
        "negative-grace.yaml",
        4,
        "grace -5d is negative: exp would be before license_expires; write 0d",
        id="negative-grace",
    ),
    pytest.param(
        "negative-term.yaml",
        None,
        ("account_id=a",),
        "negative-term.yaml",
        3,
        "term -1mo is negative: license_expires would be before nbf",
        id="negative-term",
    ),
    pytest.param(
        None,
        "too-long.yaml",
        (),
        "too-long.yaml",
        5,
        "the term ends 2032-01-01T00:00:00Z, more than 5 x 365 days after now "
        "(2026-12-01T00:00:00Z)",
        id="past-five-year-ceiling",
    ),
    pytest.param(
        None,
        "already-over.yaml",
        (),
        "already-over.yaml",
        3,
        "the license would be over before it is issued",
        id="already-over",
    ),
    pytest.param(
        None,
        "start-without-zone.yaml",
        (),
        "start-without-zone.yaml",
        3,
        "the time has no zone; add Z for UTC or an offset like +01:00",
        id="time-without-zone",
    ),
    pytest.param(
        None,
        "bad-yaml.yaml",
        (),
        "bad-yaml.yaml",
        4,
        "not valid YAML: did not find expected ',' or ']'",
        id="yaml-syntax",
    ),
    pytest.param(
        None,
        "python-tag.yaml",
        (),
        "python-tag.yaml",
        3,
        "the tag !!python/object/apply:os.getcwd is not allowed",
        id="python-tag",
    ),
    pytest.param(
        "duplicate-key.yaml",
        None,
        ("account_id=a",),
        "duplicate-key.yaml",
        4,
        "term appears twice (first on line 3); keep one",
        id="duplicate-key",
    ),
    pytest.param(
        "bad-keys.yaml",
        None,
        ("account_id=a",),
        "bad-keys.yaml",
        2,
        "unknown key feature_sets; did you mean feature_set?",
        id="unknown-template-key",
    ),
    pytest.param(
        "bad-keys.yaml",
        None,
        ("account_id=a",),
        "bad-keys.yaml",
        5,
        "unknown key defualt in parameters.seats; did you mean default?",
        id="unknown-declaration-key",
    ),
    pytest.param(
        "bad-feature-set.yaml",
        None,
        ("account_id=a",),
        "bad-feature-set.yaml",
        2,
        "feature_set 'premum' is not a feature set; did you mean premium?",
        id="unknown-feature-set",
    ),
    pytest.param(
        "cycle-a.yaml",
        None,
        ("account_id=a",),
        "cycle-b.yaml",
        1,
        "extends makes a loop",
        id="extends-cycle",
    ),
    pytest.param(
        "extends-missing.yaml",
        None,
        ("account_id=a",),
        "extends-missing.yaml",
        1,
        "extends 'no-such-base.yaml', but there is no such file",
        id="extends-missing-file",
    ),
    pytest.param(
        "unknown-reference.yaml",
        None,
        ("account_id=a",),
        "unknown-reference.yaml",
        7,
        "unknown parameter ${seat}; did you mean seats?",
        id="unknown-substitution",
    ),
    pytest.param(
        "untyped-feature.yaml",
        None,
        ("account_id=a",),
        "untyped-feature.yaml",
        5,
        "scim is true; expected a whole number; write 1 to grant it",
        id="boolean-written-as-true",
    ),
    pytest.param(
        "untyped-feature.yaml",
        None,
        ("account_id=a",),
        "untyped-feature.yaml",
        6,
        "audit_log takes one number, not soft/hard",
        id="single-written-as-pair",
    ),
    pytest.param(
        None,
        "empty-account.yaml",
        (),
        "empty-account.yaml",
        2,
        "account_id is empty; write the customer's account id",
        id="empty-account-id",
    ),
    pytest.param(
        None,
        "no-template.yaml",
        (),
        "no-template.yaml",
        1,
        "no template: add 'template: premium'",
        id="order-names-no-template",
    ),
    pytest.param(
        None,
        "unknown-template.yaml",
        (),
        "unknown-template.yaml",
        1,
        "template 'no-such-template' not found",
        id="order-template-not-found",
    ),
    pytest.param(
        "deal.yaml",
        "other-template.yaml",
        (),
        "other-template.yaml",
        1,
        "the order names template 'something-else' but",
        id="order-and-command-line-disagree",
    ),
    pytest.param(
        None,
        "good.yaml",
        ("seats",),
        "--set",
        None,
        "'seats' is not name=value; write e.g. --set seats=150",
        id="set-without-equals",
    ),
    pytest.param(
        None,
        "good.yaml",
        ("seats=3", "seats=4"),
        "--set",
        None,
        "seats is set twice",
        id="set-twice",
    ),
]


@pytest.mark.parametrize(
    ("template", "order", "sets", "file", "line", "words"), REFUSALS
)
def test_refusal_names_file_line_and_what_to_do(
    template: str | None,
    order: str | None,
    sets: tuple[str, ...],
    file: str,
    line: int | None,
    words: str,
) -> None:
    problems = problems_of(template, order, sets)

    matching = [problem for problem in problems if words in problem.message]
    assert matching, f"no problem says {words!r}: {[str(p) for p in problems]}"
    assert Path(matching[0].file).name == file
    assert matching[0].line == line


def test_every_problem_of_an_order_is_reported_at_once() -> None:
    problems = problems_of(None, "many-problems.yaml")

    assert [(Path(p.file).name, p.line) for p in problems] == [
        ("many-problems.yaml", 4),
        ("many-problems.yaml", 6),
        ("many-problems.yaml", 8),
    ]
    assert "seats is 5000; expected at most 1000" in problems[0].message
    assert "hard limit 500 is below its soft limit 800" in problems[1].message
    assert "audit_logs; did you mean audit_log?" in problems[2].message


def test_problems_carry_the_column_of_the_value() -> None:
    [problem] = problems_of(None, "hard-below-soft.yaml")

    assert (problem.line, problem.column) == (5, 14)
    assert str(problem).endswith(
        "hard-below-soft.yaml line 5 column 14: managed_agent_limit hard limit 500 "
        "is below its soft limit 800; raise hard or lower soft"
    )


def test_declarations_are_checked_field_by_field() -> None:
    problems = problems_of("bad-declarations.yaml", None, ("account_id=a",))

    assert [(p.line, p.message) for p in problems] == [
        (5, "seats: min is above max; swap them"),
        (6, "tier: min is 1; bounds do not apply to a string parameter; remove it"),
        (7, "region is required and has a default; drop one of the two"),
        (
            8,
            "renewal: default is '2027-02-30'; no such date or time; check the day "
            "and month",
        ),
    ]


def test_an_extending_template_cannot_retype_a_parameter() -> None:
    problems = problems_of("retyped.yaml", None, ("account_id=a", "seats=3"))

    assert [(Path(p.file).name, p.line) for p in problems] == [("retyped.yaml", 3)]
    assert "seats is an integer parameter (declared in" in problems[0].message


def test_a_built_in_parameter_cannot_be_retyped(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "account_type: x\nfeature_set: ''\nterm: 1y\n"
        "parameters:\n  start: {type: string}\n"
    )

    with pytest.raises(CompileError) as raised:
        compile_order(template, None, ["account_id=a"], now=NOW)

    [problem] = raised.value.problems
    assert problem.line == 5
    assert "start is a date parameter (built in)" in problem.message


def test_an_order_file_holding_several_orders_is_for_batch(tmp_path: Path) -> None:
    orders = tmp_path / "two.yaml"
    orders.write_text(
        f"- {{template: {FIXTURES / 'deal.yaml'}, account_id: a, seats: 1}}\n"
        f"- {{template: {FIXTURES / 'deal.yaml'}, account_id: b, seats: 2}}\n"
    )

    with pytest.raises(CompileError, match="holds 2 orders"):
        compile_order(None, orders, now=NOW)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        compile_order(None, FIXTURES / "good.yaml", now=datetime(2026, 12, 1))


def test_a_far_future_start_is_blamed_not_the_term(tmp_path: Path) -> None:
    order = tmp_path / "far.yaml"
    order.write_text(
        f"template: {FIXTURES / 'deal.yaml'}\naccount_id: a\nstart: 2099-01-01\n"
        "seats: 10\n"
    )

    with pytest.raises(CompileError) as raised:
        compile_order(None, order, now=NOW)

    [problem] = raised.value.problems
    assert (problem.file, problem.line, problem.column) == (str(order), 3, 8)
    assert problem.message == (
        "start 2099-01-01T00:00:00Z is too far ahead of now (2026-12-01T00:00:00Z): "
        "with the term of 1y the license would end 2100-01-01T00:00:00Z, more than "
        "5 x 365 days after now, and the product refuses such a license; issue it "
        "nearer its start or give an earlier start"
    )


def test_a_far_future_start_given_with_set_is_blamed_at_set() -> None:
    problems = problems_of(None, "good.yaml", ("start=2099-01-01",))

    [problem] = problems
    assert (problem.file, problem.line) == ("--set", None)
    assert problem.message.startswith("start 2099-01-01T00:00:00Z is too far ahead")


def test_a_start_too_late_for_the_calendar_is_blamed_not_the_term() -> None:
    [problem] = problems_of(None, "good.yaml", ("start=9999-06-01",))

    assert (problem.file, problem.line) == ("--set", None)
    assert problem.message.startswith(
        "start 9999-06-01T00:00:00Z is too far ahead of now (2026-12-01T00:00:00Z): "
        "with the term of 1y the license would end past the year 9999"
    )


def test_a_term_too_long_even_from_now_is_blamed_on_the_term() -> None:
    # too-long.yaml starts a month ahead, but 5y is too long from any start.
    [problem] = problems_of(None, "too-long.yaml")
    assert problem.message.startswith("the term ends 2032-01-01T00:00:00Z")

    [problem] = problems_of("deal.yaml", None, ("account_id=a", "seats=1", "length=6y"))
    assert (problem.file, problem.line) == ("--set", None)
    assert problem.message.startswith("the term ends 2032-12-01T00:00:00Z")


@pytest.mark.parametrize(
    "malformed",
    ["account_id", "=5", " = 5"],
)
def test_a_set_without_name_or_equals_is_the_only_problem(malformed: str) -> None:
    with pytest.raises(SetSyntaxError) as raised:
        compile_order(FIXTURES / "deal.yaml", None, [malformed], now=NOW)

    assert [str(problem) for problem in raised.value.problems] == [
        f"--set: {malformed!r} is not name=value; write e.g. --set seats=150"
    ]


def test_a_malformed_set_is_reported_once_for_a_batch(tmp_path: Path) -> None:
    orders = tmp_path / "two.yaml"
    orders.write_text(
        f"- {{template: {FIXTURES / 'deal.yaml'}, account_id: a, seats: 1}}\n"
        f"- {{template: {FIXTURES / 'deal.yaml'}, account_id: b}}\n"
    )

    with pytest.raises(SetSyntaxError) as raised:
        compile_orders(orders, ["seats"], now=NOW)

    assert len(raised.value.problems) == 1


def test_set_syntax_error_is_a_compile_error() -> None:
    assert issubclass(SetSyntaxError, CompileError)


@pytest.mark.parametrize(
    "now",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
    ],
    ids=["year-1", "before-epoch", "year-1-east", "past-9999-in-utc"],
)
def test_now_outside_1970_to_9999_is_a_programming_error(now: datetime) -> None:
    with pytest.raises(ValueError, match="1970-01-01"):
        compile_order(None, FIXTURES / "good.yaml", now=now)
    with pytest.raises(ValueError, match="1970-01-01"):
        compile_orders(FIXTURES / "good.yaml", now=now)


def test_now_at_the_epoch_is_allowed() -> None:
    compiled = compile_order(
        None,
        FIXTURES / "good.yaml",
        ["start=1970-01-01"],
        now=datetime(1970, 1, 1, tzinfo=UTC),
    )
    assert compiled.claims["iat"] == 0 == compiled.claims["nbf"]


def test_control_characters_in_text_values_are_refused(tmp_path: Path) -> None:
    order = tmp_path / "order.yaml"
    order.write_text(
        'template: premium\naccount_id: "a\\u0000b\\u001b[31m"\nseats: 5\n'
    )

    with pytest.raises(CompileError) as raised:
        compile_order(ROOT / "templates" / "premium.yaml", order, now=NOW)

    [problem] = raised.value.problems
    assert (problem.line, problem.column) == (2, 13)
    assert "control or invisible characters" in problem.message
