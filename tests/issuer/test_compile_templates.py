"""The shipped templates and examples compile to the claims they promise.

Expectations are written from what each template's header promises (term,
grace, feature set) and from the order's own values, not from the compiler.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from dateutil.relativedelta import relativedelta

from issuer.compiler import compile_order, compile_orders
from issuer.errors import CompileError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
EXAMPLES = ROOT / "examples"
NOW = datetime(2026, 12, 1, tzinfo=UTC)

# template -> (feature set, trial, term, grace) as its header describes it
PROMISES: dict[str, tuple[str, bool, Any, timedelta]] = {
    "premium": ("premium", False, relativedelta(years=1), timedelta(days=30)),
    "enterprise": ("enterprise", False, relativedelta(years=1), timedelta(days=30)),
    "trial": ("premium", True, relativedelta(days=30), timedelta(0)),
    "renewal": ("premium", False, relativedelta(years=1), timedelta(days=30)),
    "multi-year": ("premium", False, None, timedelta(days=30)),  # the order's years
    "addon-agents": ("", False, None, timedelta(days=30)),  # the order's length
}
EXAMPLE_ORDERS = sorted(EXAMPLES.glob("*.yaml"))
BATCH_ORDERS = sorted((EXAMPLES / "batch").glob("*.yaml"))


def read_order(path: Path) -> dict[str, Any]:
    """The order as PyYAML reads it, with ``start`` back as text."""
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    if "start" in data:
        data["start"] = str(data["start"])
    return data


def moment(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def length(text: str) -> relativedelta:
    units = {"d": "days", "w": "weeks", "mo": "months", "y": "years"}
    number = int("".join(ch for ch in text if ch.isdigit()))
    unit = text.lstrip("0123456789")
    return relativedelta(**{units[unit]: number})


def expected_claims(template: str, order: dict[str, Any]) -> dict[str, Any]:
    feature_set, trial, term, grace = PROMISES[template]
    if term is None:
        term = length(str(order.get("years") or order.get("length") or "3y"))
    start = moment(order["start"]) if "start" in order else NOW  # no start: now
    ends = start + term

    features: dict[str, int] = {}
    if "seats" in order or template == "trial":
        features["user_limit"] = order.get("seats", 10)
    if "agents_soft" in order:
        features["managed_agent_limit_soft"] = order["agents_soft"]
        features["managed_agent_limit_hard"] = order["agents_hard"]

    claims = {
        "nbf": int(start.timestamp()),
        "license_expires": int(ends.timestamp()),
        "exp": int((ends + grace).timestamp()),
        "account_type": "salesforce",
        "account_id": order["account_id"],
        "trial": trial,
        "feature_set": feature_set,
        "version": 3,
        "features": features,
    }
    if order.get("deployment_ids"):
        claims["deployment_ids"] = order["deployment_ids"]
    return claims


# The example order starts when issued; pin it for known answers.
ACME_START = ["start=2027-01-01T00:00:00Z"]


def test_acme_known_answer() -> None:
    compiled = compile_order(
        TEMPLATES / "premium.yaml", EXAMPLES / "acme-premium.yaml", ACME_START, now=NOW
    )

    claims = dict(compiled.claims)
    jti = claims.pop("jti")
    assert len(jti) == 36 and jti[14] == "4"  # a UUID4
    assert claims == {
        "iat": 1796083200,  # 2026-12-01T00:00:00Z
        "nbf": 1798761600,  # 2027-01-01T00:00:00Z
        "license_expires": 1830297600,  # 2028-01-01T00:00:00Z
        "exp": 1832889600,  # 2028-01-31T00:00:00Z
        "account_type": "salesforce",
        "account_id": "0015g00000AcmeWdg",
        "deployment_ids": ["dep-acme-prod"],
        "trial": False,
        "feature_set": "premium",
        "version": 3,
        "features": {
            "user_limit": 150,
            "managed_agent_limit_soft": 100,
            "managed_agent_limit_hard": 200,
        },
    }
    assert list(compiled.claims) == [
        "iat", "nbf", "license_expires", "exp", "jti", "account_type", "account_id",
        "deployment_ids", "trial", "feature_set", "version", "features",
    ]  # fmt: skip


def test_acme_summary_rows() -> None:
    compiled = compile_order(None, EXAMPLES / "acme-premium.yaml", ACME_START, now=NOW)

    assert compiled.summary_rows() == [
        ("account", "0015g00000AcmeWdg (salesforce)"),
        ("template", "premium"),
        ("feature set", "premium"),
        ("term start", "2027-01-01T00:00:00Z"),
        ("term end", "2028-01-01T00:00:00Z"),
        ("end of grace", "2028-01-31T00:00:00Z"),
        ("trial", "no"),
        ("deployment ids", "dep-acme-prod"),
        ("user_limit", "150"),
        ("managed_agent_limit", "soft 100 / hard 200"),
    ]


@pytest.mark.parametrize(
    "order_path", EXAMPLE_ORDERS + BATCH_ORDERS, ids=lambda p: p.name
)
def test_example_compiles_to_what_its_template_promises(order_path: Path) -> None:
    order = read_order(order_path)

    compiled = compile_order(None, order_path, now=NOW)

    claims = {k: v for k, v in compiled.claims.items() if k not in ("iat", "jti")}
    assert claims == expected_claims(order["template"], order)
    assert compiled.claims["iat"] == int(NOW.timestamp())
    assert compiled.template_path.resolve() == TEMPLATES / f"{order['template']}.yaml"


@pytest.mark.parametrize("template", sorted(PROMISES))
def test_every_template_has_a_header_and_an_example(template: str) -> None:
    text = (TEMPLATES / f"{template}.yaml").read_text()
    header = [line for line in text.splitlines() if line.startswith("#")]

    assert text.startswith("# ") and len(header) >= 3
    assert any(read_order(path)["template"] == template for path in EXAMPLE_ORDERS)


def test_base_alone_gives_the_shared_defaults() -> None:
    compiled = compile_order(
        TEMPLATES / "base.yaml", None, ["account_id=acct-base"], now=NOW
    )

    assert compiled.claims["feature_set"] == ""
    assert compiled.claims["features"] == {}
    assert compiled.claims["exp"] - compiled.claims["license_expires"] == 30 * 86400
    assert compiled.order_path is None


def test_premium_without_agent_values_leaves_the_pair_to_the_product() -> None:
    compiled = compile_order(
        TEMPLATES / "premium.yaml", None, ["account_id=a", "seats=40"], now=NOW
    )

    assert compiled.claims["features"] == {"user_limit": 40}
    assert compiled.values["agents_soft"] is None


def test_multi_year_refuses_five_calendar_years() -> None:
    with pytest.raises(CompileError) as raised:
        compile_order(
            TEMPLATES / "multi-year.yaml",
            None,
            ["account_id=a", "seats=5", "years=5y"],
            now=NOW,
        )

    [problem] = raised.value.problems
    assert problem.file == "--set"
    assert problem.message == "years is 5y; expected at most 1825d"


def test_multi_year_accepts_1825_days_from_now() -> None:
    compiled = compile_order(
        TEMPLATES / "multi-year.yaml",
        None,
        ["account_id=a", "seats=5", "years=1825d"],
        now=NOW,
    )

    assert compiled.claims["license_expires"] - compiled.claims["iat"] == 1825 * 86400


def test_renewal_requires_a_start(tmp_path: Path) -> None:
    with pytest.raises(CompileError) as raised:
        compile_order(
            TEMPLATES / "renewal.yaml", None, ["account_id=a", "seats=5"], now=NOW
        )

    [problem] = raised.value.problems
    assert problem.message.startswith("missing start: a date such as 2027-01-01")


def test_the_renewal_example_starts_when_the_acme_term_ends() -> None:
    current = compile_order(None, EXAMPLES / "acme-premium.yaml", ACME_START, now=NOW)
    renewal = compile_order(None, EXAMPLES / "acme-renewal.yaml", now=NOW)
    addon = compile_order(None, EXAMPLES / "acme-addon-agents.yaml", now=NOW)

    assert renewal.claims["nbf"] == current.claims["license_expires"]
    assert addon.claims["license_expires"] == current.claims["license_expires"]


def test_the_batch_folder_holds_twenty_distinct_orders_across_templates() -> None:
    orders = [read_order(path) for path in BATCH_ORDERS]

    assert len(orders) == 20
    assert len({order["account_id"] for order in orders}) == 20
    assert {order["template"] for order in orders} == set(PROMISES)
    assert all(order["start"].startswith("2027-") for order in orders)


def test_the_bad_batch_reports_both_problems_with_file_and_line() -> None:
    problems = []
    for path in sorted((EXAMPLES / "batch-bad").glob("*.yaml")):
        try:
            compile_orders(path, now=NOW)
        except CompileError as error:
            problems += error.problems

    assert [(Path(p.file).name, p.line) for p in problems] == [
        ("02-vireo-premium.yaml", 7),
        ("03-wexford-premium.yaml", 7),
    ]
    assert (
        "managed_agents_limit; did you mean managed_agent_limit?" in problems[0].message
    )
    assert "hard limit 500 is below its soft limit 800" in problems[1].message
