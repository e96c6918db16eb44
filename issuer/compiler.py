"""A template, an order and ``--set`` values compiled into license claims.

SPEC section 7, in the order it happens: find the template the order names,
load its ``extends`` chain, give every parameter a typed value, fill the
template, check the features against the catalogue and the times against the
product's ceiling, and build the claims of SPEC section 2 in their canonical
key order. Every problem of one template and order is collected and raised as
one ``CompileError``, so a person (or a batch) sees them all at once.

Example::

    from datetime import UTC, datetime
    from issuer.compiler import compile_order

    compiled = compile_order("templates/premium.yaml", "examples/acme-premium.yaml",
                             now=datetime(2026, 12, 1, tzinfo=UTC))
    compiled.claims["features"]["user_limit"]   # 150
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from verifier._catalogue import Catalogue, default_catalogue
from verifier._token import MAX_TERM_SECONDS

from ._durations import DurationError, add_duration
from ._features import read_features
from ._filling import Filler, Settings, read_settings
from ._order import (
    SET,
    Assignment,
    Order,
    load_orders,
    order_digest,
    parse_assignments,
    resolve_values,
    template_candidates,
)
from ._parameters import Given, render
from ._template import Template, load_template
from ._yaml import Findings, Where, describe, excerpt, is_file
from .errors import CompileError

__all__ = ["Compiled", "compile_order", "compile_orders"]

VERSION = 3
#: The earliest ``now`` a license can be issued at: NumericDates are not negative.
EARLIEST_NOW = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Compiled:
    """Claims ready to sign, and what they were compiled from."""

    claims: dict[str, Any]
    template_name: str
    template_path: Path
    #: SHA-256 of the template's bytes followed by those of each template it
    #: extends, in order.
    template_sha256: str
    order_path: Path | None
    #: SHA-256 of the order's bytes with each ``--set`` appended.
    order_sha256: str | None
    #: Every parameter's value as JSON holds it: dates as RFC 3339 UTC text,
    #: durations as ``1y``, None for an optional parameter left out.
    values: dict[str, Any]
    catalogue: Catalogue = field(
        default_factory=default_catalogue, repr=False, compare=False
    )

    def summary_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows a person checks before the license is signed."""
        claims = self.claims
        no_grace = claims["exp"] == claims["license_expires"]
        rows = [
            ("account", f"{claims['account_id']} ({claims['account_type']})"),
            ("template", self.template_name),
            ("feature set", claims["feature_set"] or "(none)"),
            ("term start", _time(claims["nbf"])),
            ("term end", _time(claims["license_expires"])),
            (
                "end of grace",
                _time(claims["exp"]) + (" (no grace)" if no_grace else ""),
            ),
            ("trial", "yes" if claims["trial"] else "no"),
        ]
        for key in ("deployment_ids", "addons"):
            if claims.get(key):
                rows.append((key.replace("_", " "), ", ".join(claims[key])))
        for key in ("require_telemetry", "publish_usage_data"):
            if claims.get(key):
                rows.append((key.replace("_", " "), "yes"))
        return rows + self._feature_rows()

    def _feature_rows(self) -> list[tuple[str, str]]:
        features = self.claims["features"]
        rows = []
        for feature in self.catalogue.features:
            soft, hard = feature.soft_name, feature.hard_name
            if soft and hard and soft in features:
                rows.append(
                    (feature.name, f"soft {features[soft]} / hard {features[hard]}")
                )
            elif feature.name in features:
                rows.append((feature.name, str(features[feature.name])))
        return rows


def compile_order(
    template_path: str | Path | None,
    order_path: str | Path | None = None,
    sets: Sequence[str] = (),
    *,
    now: datetime,
    templates_dir: Path | None = None,
    catalogue: Catalogue | None = None,
) -> Compiled:
    """Compile one order (or the template alone, with ``sets``) into claims.

    ``template_path`` may be None when the order names its template; when both
    are given they must agree. ``templates_dir`` is where an order's bare
    template name is looked up first (default ``./templates``). Raises
    ``CompileError`` with every problem found, or ``SetSyntaxError`` alone
    for a ``--set`` that is not ``name=value``; ``ValueError`` for a naive
    ``now`` or one outside 1970 to 9999.
    """
    now = _checked_now(now)
    findings = Findings()
    assignments = parse_assignments(sets, findings)
    order = None
    if order_path is not None:
        orders = load_orders(Path(order_path), findings)
        if len(orders) > 1:
            count = len(orders)
            findings.report(
                Where(orders[0].label),
                f"holds {count} orders; compile them with compile_orders (batch)",
            )
        if len(orders) != 1:
            raise CompileError(findings.problems())
        order = orders[0]
    return _compile(
        template_path, order, assignments, now, templates_dir, catalogue, findings
    )


def compile_orders(
    order_path: str | Path,
    sets: Sequence[str] = (),
    *,
    now: datetime,
    template_path: str | Path | None = None,
    templates_dir: Path | None = None,
    catalogue: Catalogue | None = None,
) -> list[Compiled]:
    """Compile every order of a file: one mapping, or a list of them.

    Every order is compiled before anything is raised, and the one
    ``CompileError`` lists the problems of all of them.
    """
    now = _checked_now(now)
    findings = Findings()
    assignments = parse_assignments(sets, findings)
    orders = load_orders(Path(order_path), findings)
    problems = findings.problems()
    compiled: list[Compiled] = []
    for order in orders:
        try:
            compiled.append(
                _compile(
                    template_path,
                    order,
                    assignments,
                    now,
                    templates_dir,
                    catalogue,
                    Findings(),
                )
            )
        except CompileError as error:
            problems += error.problems
    if problems:
        raise CompileError(problems)
    return compiled


def _checked_now(now: datetime) -> datetime:
    """``now`` in UTC; a naive ``now``, or one before 1970, is a programming error."""
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime, e.g. datetime.now(UTC)")
    try:
        utc = now.astimezone(UTC)
    except OverflowError:
        utc = None  # past 9999-12-31 or before 0001-01-01 once in UTC
    if utc is None or utc < EARLIEST_NOW:
        raise ValueError(
            f"now is {now.isoformat()}; it must be from 1970-01-01 to 9999-12-31 "
            "in UTC, e.g. datetime.now(UTC)"
        )
    return utc


def _compile(
    template_path: str | Path | None,
    order: Order | None,
    assignments: list[Assignment],
    now: datetime,
    templates_dir: Path | None,
    catalogue: Catalogue | None,
    findings: Findings,
) -> Compiled:
    catalogue = catalogue or default_catalogue()

    path = _choose_template(template_path, order, templates_dir, findings)
    template = load_template(path, findings) if path is not None else None
    if template is None:
        raise CompileError(findings.problems(_file_order(None, order)))

    values = resolve_values(template, order, assignments, now, findings)
    filler = Filler(values, findings)
    settings = read_settings(template, filler, catalogue, findings)
    order_features = order.features if order is not None else None
    features = read_features(
        template.features, order_features, filler, catalogue, findings
    )
    claims = _claims(values, settings, features, now, findings)

    if findings:
        raise CompileError(findings.problems(_file_order(template, order)))
    return Compiled(
        claims=claims,
        template_name=template.name,
        template_path=template.path,
        template_sha256=template.sha256,
        order_path=order.path if order is not None else None,
        order_sha256=order_digest(order, assignments),
        values={name: _json_value(given.value) for name, given in values.items()},
        catalogue=catalogue,
    )


def _file_order(template: Template | None, order: Order | None) -> list[str]:
    """Problems are listed template chain first, then the order, then --set."""
    labels = list(template.labels) if template is not None else []
    return [*labels, *([order.label] if order is not None else []), SET]


# --- which template ---------------------------------------------------------


def _choose_template(
    given: str | Path | None,
    order: Order | None,
    templates_dir: Path | None,
    findings: Findings,
) -> Path | None:
    """The template given, else the order's; when both, they must agree."""
    named = order.template if order is not None else None
    if order is None or named is None:
        if given is None:
            findings.report(
                order.data.where if order is not None else Where(SET),
                "no template: add 'template: premium' (a name or a path) to the "
                "order, or name the template on the command line",
            )
            return None
        return Path(given)

    where = order.data.value_where["template"]
    candidates = template_candidates(named, order.path, templates_dir)
    found = next((path for path in candidates if is_file(path)), None)
    if given is None:
        if found is None:
            tried = ", ".join(excerpt(str(path)) for path in candidates)
            findings.report(
                where,
                f"template {describe(named)} not found (looked for {tried}); check "
                "the name or pass --templates DIR",
            )
        return found

    if not _same_template(Path(given), found, named):
        findings.report(
            where,
            f"the order names template {describe(named)} but {given} was given; "
            "drop one or make them agree",
        )
        return None
    return Path(given)


def _same_template(given: Path, found: Path | None, named: str) -> bool:
    if found is not None and is_file(given):
        return given.resolve() == found.resolve()
    return given.stem == Path(named).stem


# --- times and claims -------------------------------------------------------


def _claims(
    values: dict[str, Given],
    settings: Settings,
    features: dict[str, int],
    now: datetime,
    findings: Findings,
) -> dict[str, Any]:
    """The claims in SPEC order; empty when something they need was refused."""
    times = _times(values["start"], settings, now, findings)
    account_id = _account_id(values["account_id"], findings)
    if times is None or account_id is None:
        return {}
    nbf, license_expires, exp = times

    claims: dict[str, Any] = {
        "iat": _seconds(now),
        "nbf": nbf,
        "license_expires": license_expires,
        "exp": exp,
        "jti": str(uuid.uuid4()),
        "account_type": settings.account_type,
        "account_id": account_id,
    }
    deployment_ids = values["deployment_ids"].value
    if isinstance(deployment_ids, list) and deployment_ids:
        claims["deployment_ids"] = list(deployment_ids)
    claims["trial"] = settings.trial
    claims["feature_set"] = settings.feature_set
    claims["version"] = VERSION
    claims["features"] = features
    if isinstance(settings.addons, list) and settings.addons:
        claims["addons"] = list(settings.addons)
    if settings.require_telemetry is True:
        claims["require_telemetry"] = True
    if settings.publish_usage_data is True:
        claims["publish_usage_data"] = True
    return claims


def _account_id(given: Given, findings: Findings) -> str | None:
    if given.broken:
        return None
    if not isinstance(given.value, str) or not given.value.strip():
        findings.report(
            given.where, "account_id is empty; write the customer's account id"
        )
        return None
    return given.value


def _times(
    start: Given, settings: Settings, now: datetime, findings: Findings
) -> tuple[int, int, int] | None:
    """nbf, license_expires and exp, in order and within the product's ceiling."""
    term, grace = settings.term, settings.grace
    if start.broken or term.broken or grace.broken:
        return None

    try:
        term_end = add_duration(start.value, term.value)
        grace_end = add_duration(term_end, grace.value)
    except DurationError as error:
        if not _blame_start(start, term, now, "past the year 9999", findings):
            findings.report(term.where, f"term: {error}")
        return None
    nbf, license_expires, exp = (
        _seconds(m) for m in (start.value, term_end, grace_end)
    )
    issued = _seconds(now)

    if not nbf <= license_expires <= exp:
        findings.report(
            term.where,
            f"nbf {_time(nbf)}, license_expires {_time(license_expires)} and exp "
            f"{_time(exp)} are out of order; check term and grace",
        )
        return None
    if license_expires - issued > MAX_TERM_SECONDS:
        if not _blame_start(start, term, now, _time(license_expires), findings):
            _report_term_too_long(term, nbf, license_expires, issued, findings)
        return None
    if exp <= issued:
        findings.report(
            start.where,
            f"the license would be over before it is issued: it ends, grace "
            f"included, {_time(exp)}, and now is {_time(issued)}; check start",
        )
        return None
    return nbf, license_expires, exp


def _blame_start(
    start: Given, term: Given, now: datetime, end: str, findings: Findings
) -> bool:
    """Report a start too far ahead of now, when the term would fit from now.

    The start then comes from the order, ``--set`` or a template's default,
    and that is where the problem is, not in the term.
    """
    nbf, issued = _seconds(start.value), _seconds(now)
    if nbf <= issued or not _fits_from(now, term.value):
        return False
    findings.report(
        start.where,
        f"start {_time(nbf)} is too far ahead of now ({_time(issued)}): with the "
        f"term of {term.value} the license would end {end}, more than 5 x 365 "
        "days after now, and the product refuses such a license; issue it nearer "
        "its start or give an earlier start",
    )
    return True


def _report_term_too_long(
    term: Given, nbf: int, license_expires: int, issued: int, findings: Findings
) -> None:
    advice = "shorten the term"
    if nbf > issued:
        advice += " or issue it nearer its start"
    findings.report(
        term.where,
        f"the term ends {_time(license_expires)}, more than 5 x 365 days after "
        f"now ({_time(issued)}), and the product refuses such a license; {advice}",
    )


def _fits_from(moment: datetime, term: Any) -> bool:
    """Whether ``term`` counted from ``moment`` stays within the ceiling."""
    try:
        end = add_duration(moment.replace(microsecond=0), term)
    except DurationError:
        return False
    return _seconds(end) - _seconds(moment) <= MAX_TERM_SECONDS


def _seconds(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def _time(seconds: int) -> str:
    return render(datetime.fromtimestamp(seconds, UTC))


def _json_value(value: Any) -> Any:
    return (
        value if value is None or isinstance(value, int | str | list) else render(value)
    )
