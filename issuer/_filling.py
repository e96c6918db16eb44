"""Filling a template with values: ``${name}`` substitution and its settings.

Substitution is plain text replacement, never evaluation. A value that is
exactly ``${name}`` becomes the parameter's typed value (an integer stays an
integer, a list stays a list); inside longer text each ``${name}`` becomes
the value written as text (``"${years}y"`` with years 3 gives ``"3y"``).

The settings are the template's license-wide keys (account type, feature
set, trial, term, grace, addons, telemetry flags), each filled and checked
against what the license needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from verifier._catalogue import Catalogue

from ._durations import Duration, DurationError, parse_duration
from ._order import SET
from ._parameters import BROKEN, Given, render, show
from ._template import Template
from ._yaml import Findings, Where, describe, did_you_mean, excerpt

__all__ = ["Filler", "Settings", "read_settings"]

_REFERENCE = re.compile(r"\$\{([^{}]*)\}")


class Filler:
    """Replaces ``${name}`` by the value of parameter ``name``."""

    def __init__(self, values: dict[str, Given], findings: Findings) -> None:
        self.values = values
        self.findings = findings

    def fill(self, raw: Any, where: Where) -> Given:
        """``raw`` (written at ``where``) with its references replaced."""
        if not isinstance(raw, str) or "${" not in raw:
            return Given(raw, where)
        whole = _REFERENCE.fullmatch(raw)
        if whole is not None:
            return self._lookup(whole.group(1), where)
        if "${" in _REFERENCE.sub("", raw):
            return self._fail(
                where, f"{describe(raw)} has a ${{ without its }}; write ${{name}}"
            )

        pieces: list[str] = []
        position = 0
        for match in _REFERENCE.finditer(raw):
            given = self._lookup(match.group(1), where)
            if given.broken:
                return given
            if given.value is None or isinstance(given.value, list):
                what = "has no value" if given.value is None else "is a list"
                return self._fail(
                    where,
                    f"${{{given.via}}} {what}, so it cannot go into {describe(raw)}",
                )
            pieces += [raw[position : match.start()], render(given.value)]
            position = match.end()
        return Given("".join([*pieces, raw[position:]]), where)

    def _lookup(self, name: str, where: Where) -> Given:
        given = self.values.get(name)
        if given is None:
            hint = did_you_mean(name.strip(), list(self.values))
            advice = hint or "; declare it under parameters"
            return self._fail(where, f"unknown parameter ${{{excerpt(name)}}}{advice}")
        if given.broken:
            return given
        # A value with no line of its own (a built-in default) points at its use.
        own_place = given.where.line is not None or given.where.file == SET
        return Given(given.value, given.where if own_place else where, via=name)

    def _fail(self, where: Where, message: str) -> Given:
        self.findings.report(where, message)
        return Given(BROKEN, where)


@dataclass(frozen=True)
class Settings:
    """The template's license-wide values, filled and checked (BROKEN if refused)."""

    account_type: Any
    feature_set: Any
    trial: Any
    term: Given
    grace: Given
    addons: Any
    require_telemetry: Any
    publish_usage_data: Any


def read_settings(
    template: Template, filler: Filler, catalogue: Catalogue, findings: Findings
) -> Settings:
    reader = _SettingsReader(template, filler, findings)
    return Settings(
        account_type=reader.account_type(),
        feature_set=reader.feature_set(catalogue),
        trial=reader.flag("trial"),
        term=reader.duration("term", required=True),
        grace=reader.duration("grace", required=False),
        addons=reader.addons(),
        require_telemetry=reader.flag("require_telemetry"),
        publish_usage_data=reader.flag("publish_usage_data"),
    )


class _SettingsReader:
    def __init__(self, template: Template, filler: Filler, findings: Findings) -> None:
        self.name = template.name
        self.settings = template.settings
        self.filler = filler
        self.findings = findings

    def account_type(self) -> Any:
        given = self._text("account_type", "account_type: salesforce")
        if given.broken:
            return BROKEN
        if not given.value.strip():
            return self._refuse(
                "account_type", given, "is empty; say where the account lives"
            )
        return given.value

    def feature_set(self, catalogue: Catalogue) -> Any:
        given = self._text("feature_set", "feature_set: premium")
        if given.broken:
            return BROKEN
        allowed = ["", *catalogue.feature_sets]
        if given.value not in allowed:
            choices = ", ".join(repr(name) for name in allowed)
            hint = did_you_mean(given.value, allowed) or f"; expected one of {choices}"
            return self._refuse("feature_set", given, f"is not a feature set{hint}")
        return given.value

    def flag(self, key: str) -> Any:
        given = self._get(key, example=None)
        if given is None:
            return False
        if not given.broken and not isinstance(given.value, bool):
            return self._refuse(key, given, "is not true or false")
        return given.value

    def duration(self, key: str, *, required: bool) -> Given:
        given = self._get(key, example=f"{key}: 1y" if required else None)
        if given is None:
            return Given(Duration(0, "d"), self.settings.where)
        if given.broken:
            return given

        value = given.value
        try:
            duration = parse_duration(value) if isinstance(value, str) else value
        except DurationError as error:
            self.findings.report(given.where, f"{key}: {error}")
            return Given(BROKEN, given.where)
        if not isinstance(duration, Duration):
            self._refuse(
                key, given, "is not a duration; write e.g. 30d, 12w, 6mo or 1y"
            )
            return Given(BROKEN, given.where)

        filled = Given(duration, given.where, given.via)
        reason = _duration_problem(key, duration)
        if reason is not None:
            self._refuse(key, filled, reason)
            return Given(BROKEN, given.where)
        return filled

    def addons(self) -> Any:
        given = self._get("addons", example=None)
        if given is None:
            return []
        if given.broken:
            return BROKEN
        if not isinstance(given.value, list):
            return self._refuse("addons", given, "is not a list; write e.g. [sso-pack]")

        wheres = getattr(given.value, "item_where", [given.where] * len(given.value))
        addons: list[str] = []
        for item, where in zip(given.value, wheres, strict=True):
            filled = self.filler.fill(item, where)
            if filled.broken:
                return BROKEN
            if not isinstance(filled.value, str) or not filled.value.strip():
                return self._refuse("addon", filled, "is not an add-on name")
            if filled.value in addons:
                return self._refuse("addon", filled, "appears twice; list it once")
            addons.append(filled.value)
        return addons

    def _get(self, key: str, *, example: str | None) -> Given | None:
        """The filled value of ``key``; None when absent (a problem if required)."""
        if key not in self.settings:
            if example is not None:
                self.findings.report(
                    self.settings.where,
                    f"template {self.name} has no {key}; add e.g. {example}",
                )
                return Given(BROKEN, self.settings.where)
            return None
        given = self.filler.fill(self.settings[key], self.settings.value_where[key])
        if given.value is None:
            self._refuse(key, given, "has no value")
            return Given(BROKEN, given.where)
        return given

    def _text(self, key: str, example: str) -> Given:
        given = self._get(key, example=example)
        assert given is not None  # required keys are never None
        if not given.broken and not isinstance(given.value, str):
            self._refuse(key, given, "is not text; write it in quotes")
            return Given(BROKEN, given.where)
        return given

    def _refuse(self, key: str, given: Given, reason: str) -> Any:
        shown = "" if given.value is None else f" {show(given.value)}"
        self.findings.report(given.where, f"{key}{shown}{given.through()} {reason}")
        return BROKEN


def _duration_problem(key: str, duration: Duration) -> str | None:
    if key == "term" and duration.is_negative:
        return "is negative: license_expires would be before nbf; write a positive term"
    if key == "term" and duration.is_zero:
        return "is zero: the license would end as it starts; write e.g. 1y"
    if key == "grace" and duration.is_negative:
        return "is negative: exp would be before license_expires; write 0d for no grace"
    return None
