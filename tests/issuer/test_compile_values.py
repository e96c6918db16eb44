"""Parameters, substitution, extends, --set, template lookup and hashes."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from issuer._yaml import load_text
from issuer.compiler import compile_order, compile_orders
from issuer.errors import CompileError

FIXTURES = Path(__file__).parent / "fixtures" / "compile"
ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, tzinfo=UTC)
DAY = 86400


def compile_fixture(template: str, *sets: str) -> dict[str, Any]:
    return compile_order(
        FIXTURES / template, None, ["account_id=a", *sets], now=NOW
    ).claims


# --- substitution keeps types ------------------------------------------------


def test_whole_references_keep_their_type() -> None:
    claims = compile_fixture("typed.yaml")

    assert claims["account_type"] == "salesforce"
    assert claims["feature_set"] == "premium"
    assert claims["trial"] is False
    assert claims["require_telemetry"] is True
    assert claims["addons"] == ["a", "b"]
    assert claims["features"] == {"user_limit": 5}
    assert claims["exp"] - claims["license_expires"] == 14 * DAY  # grace: 2w


def test_references_inside_text_are_written_as_text() -> None:
    claims = compile_fixture("typed.yaml", "months=1", "start=2027-01-31")

    # "${months}mo" became "1mo": 31 January plus a month is 28 February.
    assert claims["license_expires"] == int(
        datetime(2027, 2, 28, tzinfo=UTC).timestamp()
    )


def test_set_values_are_checked_against_the_declared_type() -> None:
    claims = compile_fixture(
        "typed.yaml",
        "is_trial=true",
        "tier=enterprise",
        "extras=sso, audit-pack",
        "telemetry=false",
        "crm=hubspot",
    )

    assert claims["trial"] is True
    assert claims["feature_set"] == "enterprise"
    assert claims["addons"] == ["sso", "audit-pack"]
    assert "require_telemetry" not in claims
    assert claims["account_type"] == "hubspot"


@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        ("is_trial=yes", "is_trial is 'yes'; expected true or false"),
        ("tier=gold", "tier is 'gold'; expected one of , enterprise, premium"),
        ("months=0", "months is 0; expected at least 1"),
        ("grace_period=-1d", "a duration cannot be negative"),
        ("extras=[a, a]", "a appears twice; list it once"),
    ],
)
def test_ill_typed_set_values_are_refused(assignment: str, words: str) -> None:
    with pytest.raises(CompileError) as raised:
        compile_fixture("typed.yaml", assignment)

    [problem] = raised.value.problems
    assert problem.file == "--set"
    assert words in problem.message


def test_a_string_parameter_takes_set_text_as_written() -> None:
    compiled = compile_order(
        FIXTURES / "deal.yaml", None, ["account_id=00123", "seats=5"], now=NOW
    )

    assert compiled.claims["account_id"] == "00123"


def test_dates_with_offsets_are_normalised_to_utc() -> None:
    claims = compile_fixture("deal.yaml", "seats=5", "start=2027-01-01T00:00:00+01:00")

    assert claims["nbf"] == int(datetime(2026, 12, 31, 23, tzinfo=UTC).timestamp())


def test_a_bare_date_is_midnight_utc_and_no_start_means_now() -> None:
    dated = compile_fixture("deal.yaml", "seats=5", "start=2027-03-01")
    undated = compile_fixture("deal.yaml", "seats=5")

    assert dated["nbf"] == int(datetime(2027, 3, 1, tzinfo=UTC).timestamp())
    assert undated["nbf"] == undated["iat"] == int(NOW.timestamp())


def test_nothing_is_evaluated() -> None:
    with pytest.raises(CompileError) as raised:
        compile_fixture("deal.yaml", "seats=__import__('os').getcwd()")

    assert "expected a whole number" in raised.value.problems[0].message


# --- extends -----------------------------------------------------------------


def test_child_keys_override_and_features_merge_by_name() -> None:
    compiled = compile_order(FIXTURES / "child.yaml", None, ["account_id=a"], now=NOW)
    claims = compiled.claims

    assert claims["feature_set"] == "enterprise"
    assert claims["exp"] == claims["license_expires"]  # grace 0d from the child
    assert claims["license_expires"] - claims["nbf"] == 365 * DAY  # term from parent
    assert claims["features"] == {"user_limit": 20, "audit_log": 1, "connection_log": 1}
    assert claims["addons"] == ["eu-hosting"]


def test_child_parameter_fields_merge_with_the_parent_declaration() -> None:
    with pytest.raises(CompileError) as raised:
        compile_order(
            FIXTURES / "child.yaml", None, ["account_id=a", "seats=501"], now=NOW
        )

    assert raised.value.problems[0].message == "seats is 501; expected at most 500"


def test_template_hash_covers_the_whole_chain() -> None:
    compiled = compile_order(FIXTURES / "child.yaml", None, ["account_id=a"], now=NOW)

    chain = (FIXTURES / "child.yaml").read_bytes() + (
        FIXTURES / "parent.yaml"
    ).read_bytes()
    assert compiled.template_sha256 == hashlib.sha256(chain).hexdigest()
    assert compiled.template_name == "child"


# --- orders ------------------------------------------------------------------


def test_order_features_override_add_to_and_drop_from_the_template(
    tmp_path: Path,
) -> None:
    order = tmp_path / "o.yaml"
    order.write_text(
        f"template: {FIXTURES / 'child.yaml'}\naccount_id: a\n"
        "features:\n  user_limit: 12\n  audit_log: null\n  scim: 1\n"
    )

    claims = compile_order(None, order, now=NOW).claims

    assert claims["features"] == {"user_limit": 12, "connection_log": 1, "scim": 1}


def test_order_hash_includes_set_values() -> None:
    order = FIXTURES / "good.yaml"
    plain = compile_order(None, order, now=NOW)
    with_set = compile_order(None, order, ["seats=11"], now=NOW)
    other_set = compile_order(None, order, ["seats=12"], now=NOW)

    assert plain.order_sha256 == hashlib.sha256(order.read_bytes()).hexdigest()
    assert len({plain.order_sha256, with_set.order_sha256, other_set.order_sha256}) == 3
    assert with_set.values["seats"] == 11


def test_values_are_ready_for_json() -> None:
    compiled = compile_order(None, FIXTURES / "good.yaml", now=NOW)

    assert compiled.values == {
        "account_id": "acct-good",
        "start": "2027-01-01T00:00:00Z",
        "deployment_ids": None,
        "seats": 10,
        "agents_soft": None,
        "agents_hard": None,
        "length": "1y",
    }
    json.dumps(compiled.values)


def test_a_list_file_compiles_every_order_with_its_own_hash(tmp_path: Path) -> None:
    orders = tmp_path / "orders.yaml"
    orders.write_text(
        f"- template: {FIXTURES / 'deal.yaml'}\n  account_id: one\n  seats: 1\n"
        f"- template: {FIXTURES / 'deal.yaml'}\n  account_id: two\n  seats: 2\n"
    )

    first, second = compile_orders(orders, now=NOW)

    assert (first.claims["account_id"], second.claims["account_id"]) == ("one", "two")
    assert first.order_sha256 != second.order_sha256


def test_a_list_file_reports_the_problems_of_every_order(tmp_path: Path) -> None:
    orders = tmp_path / "orders.yaml"
    orders.write_text(
        f"- template: {FIXTURES / 'deal.yaml'}\n  account_id: one\n  seats: 0\n"
        f"- template: {FIXTURES / 'deal.yaml'}\n  account_id: two\n  seat: 2\n"
    )

    with pytest.raises(CompileError) as raised:
        compile_orders(orders, now=NOW)

    assert [(p.line, p.message[:12]) for p in raised.value.problems] == [
        (3, "seats is 0; "),  # first order
        (4, "missing seat"),  # second order, which starts on line 4
        (6, "seat is not "),
    ]


# --- finding the template ----------------------------------------------------


def test_a_bare_name_is_found_in_templates_dir(tmp_path: Path) -> None:
    order = tmp_path / "o.yaml"
    order.write_text("template: premium\naccount_id: a\nseats: 3\n")

    compiled = compile_order(None, order, now=NOW, templates_dir=ROOT / "templates")

    assert compiled.template_path == ROOT / "templates" / "premium.yaml"


def test_a_bare_name_is_found_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = tmp_path / "o.yaml"
    order.write_text("template: premium\naccount_id: a\nseats: 3\n")
    monkeypatch.chdir(ROOT)

    compiled = compile_order(None, order, now=NOW)

    assert compiled.template_path == Path("templates") / "premium.yaml"


def test_a_path_is_relative_to_the_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deal.yaml").write_bytes((FIXTURES / "deal.yaml").read_bytes())
    order = tmp_path / "o.yaml"
    order.write_text("template: sub/deal.yaml\naccount_id: a\nseats: 3\n")

    compiled = compile_order(None, order, now=NOW)

    assert compiled.template_path == tmp_path / "sub" / "deal.yaml"


def test_given_and_named_templates_may_agree(tmp_path: Path) -> None:
    compiled = compile_order(FIXTURES / "deal.yaml", FIXTURES / "good.yaml", now=NOW)

    assert compiled.template_name == "deal"
    assert os.path.samefile(compiled.template_path, FIXTURES / "deal.yaml")


# --- the YAML reader ---------------------------------------------------------


def test_yaml_reads_plain_scalars_the_yaml_1_2_way() -> None:
    data, problems = load_text("a: yes\nb: NO\nc: 2027-01-01\nd: 0755\ne: 1_000\n", "x")

    assert problems == []
    assert data == {"a": "yes", "b": "NO", "c": "2027-01-01", "d": "0755", "e": 1000}


def test_yaml_positions_are_one_based() -> None:
    data, _ = load_text("# comment\nouter:\n  inner: 5\n", "x")

    assert data.key_where["outer"].line == 2
    assert (
        data["outer"].value_where["inner"].line,
        data["outer"].value_where["inner"].column,
    ) == (3, 10)


# --- the schemas -------------------------------------------------------------


@pytest.mark.parametrize("name", ["template.schema.json", "order.schema.json"])
def test_schemas_are_valid_json_schema(name: str) -> None:
    schema = json.loads((ROOT / "issuer" / "schemas" / name).read_text())

    Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")


def test_yaml_control_characters_are_refused() -> None:
    data, problems = load_text("a: \x1f\n", "x")

    assert data is None
    assert "the character U+001F is not allowed" in problems[0].message


def test_one_mistake_is_reported_once_in_the_clearest_words() -> None:
    with pytest.raises(CompileError) as raised:
        compile_order(FIXTURES / "bad-term.yaml", None, ["account_id=a"], now=NOW)

    # The schema also rejects "1 year"; the compiler's hint replaces its words.
    assert [p.message for p in raised.value.problems] == [
        "term: '1 year' is not a duration; write y for years"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${extras}-x", "${extras} is a list, so it cannot go into '${extras}-x'"),
        ("${crm", "'${crm' has a ${ without its }; write ${name}"),
    ],
)
def test_text_substitution_refusals(tmp_path: Path, text: str, message: str) -> None:
    template = tmp_path / "t.yaml"
    typed = (FIXTURES / "typed.yaml").read_text()
    template.write_text(
        typed.replace("account_type: ${crm}", f'account_type: "{text}"')
    )

    with pytest.raises(CompileError) as raised:
        compile_order(template, None, ["account_id=a"], now=NOW)

    [problem] = raised.value.problems
    assert (problem.line, problem.message) == (2, message)
