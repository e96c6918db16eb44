"""Whatever values an order holds, compiling gives sound claims or a CompileError.

Sound claims: times are whole seconds in the order nbf <= license_expires <=
exp, within the product's five-year ceiling and not over before issue; every
feature is a catalogued license name with a value in the int64 range; and,
signed, they verify as exactly the same claims with no merge error.
"""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issuer.compiler import Compiled, compile_order
from issuer.errors import CompileError
from issuer.issuing import sign_and_check
from issuer.keys import load_signing_key
from verifier._catalogue import default_catalogue

EXAMPLE_KEY = Path(__file__).resolve().parents[2] / "keys.example" / "example.key"

TEMPLATE = Path(__file__).parent / "fixtures" / "compile" / "everything.yaml"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
INT64_MAX = 2**63 - 1
CEILING = 5 * 365 * 86400

integers = st.integers(min_value=-(2**65), max_value=2**65)
durations = st.from_regex(r"-?[0-9]{1,6}(d|w|mo|y)", fullmatch=True)
likely_durations = st.from_regex(r"[1-9][0-9]{0,2}(d|w|mo)|[1-4]y", fullmatch=True)
offsets = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-14 * 60, 14 * 60)
)
starts = st.one_of(
    st.datetimes(timezones=offsets).map(lambda moment: moment.isoformat()),
    st.dates(datetime(2026, 1, 1).date(), datetime(2029, 1, 1).date()).map(str),
    st.text(max_size=12),
)
texts = st.one_of(integers.map(str), durations, starts, st.text(max_size=16))
# Each value is as likely to be plausible as to be anything at all.
numbers = st.one_of(st.integers(0, 10**6).map(str), st.one_of(integers.map(str), texts))
choices = {
    "seats": numbers,
    "soft": numbers,
    "hard": numbers,
    "term": st.one_of(likely_durations, st.one_of(durations, texts)),
    "grace": st.one_of(likely_durations, st.one_of(durations, texts)),
    "start": starts,
    "is_trial": st.sampled_from(["true", "false", "yes", "1", ""]),
}


@st.composite
def assignments(draw: st.DrawFn) -> list[str]:
    account = draw(st.one_of(st.just("acct-1"), st.text(max_size=8)))
    names = draw(st.lists(st.sampled_from(sorted(choices)), unique=True))
    return [f"account_id={account}"] + [
        f"{name}={draw(choices[name])}" for name in names
    ]


yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), integers, st.floats(allow_nan=False), texts),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=6), inner, max_size=3),
    ),
    max_leaves=6,
)
feature_names = st.one_of(
    st.sampled_from(default_catalogue().names + default_catalogue().license_names()),
    st.text(max_size=10),
)
pair_values = st.fixed_dictionaries(
    {},
    optional={"soft": st.one_of(integers, texts), "hard": st.one_of(integers, texts)},
)


# What an order file would hold when written with care.
typed_choices = {
    "seats": st.integers(0, 10**6),
    "soft": st.integers(0, 10**6),
    "hard": st.integers(0, 10**6),
    "term": likely_durations,
    "grace": likely_durations,
    "start": starts,
    "is_trial": st.booleans(),
}


@st.composite
def orders(draw: st.DrawFn) -> dict[str, Any]:
    account = draw(st.one_of(st.just("acct-1"), st.text(max_size=8), yaml_values))
    order: dict[str, Any] = {"template": str(TEMPLATE), "account_id": account}
    for name in draw(st.lists(st.sampled_from(sorted(typed_choices)), unique=True)):
        plausible = typed_choices[name]
        careful = draw(st.integers(0, 3)) > 0  # three times in four
        order[name] = draw(plausible if careful else yaml_values)
    features = draw(
        st.one_of(
            st.just({}),
            st.dictionaries(
                feature_names, st.one_of(yaml_values, pair_values), max_size=4
            ),
        )
    )
    if features:
        order["features"] = features
    return order


def assert_sound(compiled: Compiled) -> None:
    claims = compiled.claims
    times = [claims[key] for key in ("iat", "nbf", "license_expires", "exp")]
    assert all(type(value) is int for value in times)
    assert claims["nbf"] <= claims["license_expires"] <= claims["exp"]
    assert claims["license_expires"] - claims["iat"] <= CEILING
    assert claims["exp"] > claims["iat"]
    assert claims["account_id"].strip()

    license_names = default_catalogue().license_names()
    for name, value in claims["features"].items():
        assert name in license_names
        assert type(value) is int and 0 <= value <= INT64_MAX
    soft, hard = (
        claims["features"].get(f"managed_agent_limit_{s}") for s in ("soft", "hard")
    )
    assert (soft is None) == (hard is None)
    if soft is not None:
        assert soft <= hard

    # Raises if the verifier reads back anything else, or the merge objects.
    signed = sign_and_check(compiled, _key(), NOW)
    assert signed.license.claims == claims
    assert not signed.entitlements.errors


@functools.cache
def _key() -> Any:
    return load_signing_key(EXAMPLE_KEY)


@settings(max_examples=120, deadline=None)
@given(sets=assignments())
def test_set_values_compile_soundly_or_are_refused(sets: list[str]) -> None:
    try:
        compiled = compile_order(TEMPLATE, None, sets, now=NOW)
    except CompileError as error:
        assert error.problems
        return
    assert_sound(compiled)


@pytest.fixture(scope="module")
def order_files(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("orders")
    return (folder / f"order-{number}.yaml" for number in itertools.count())


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(order=orders())
def test_order_files_compile_soundly_or_are_refused(
    order: dict[str, Any], order_files: Any
) -> None:
    path = next(order_files)
    path.write_text(yaml.safe_dump(order, allow_unicode=True))

    try:
        compiled = compile_order(None, path, now=NOW)
    except CompileError as error:
        assert all(problem.file for problem in error.problems)
        return
    assert_sound(compiled)
