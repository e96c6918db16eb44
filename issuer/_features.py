"""Features: the template's, with the order's laid over them, checked.

Names and kinds come from the verifier's catalogue, never from this code. A
feature is written by its catalogue name with one whole number, or, for a
soft/hard pair such as ``managed_agent_limit``, as ``{soft: N, hard: M}``; the
license then carries the pair as its two halves (``managed_agent_limit_soft``
and ``managed_agent_limit_hard``), which is why writing a half directly, or
the pair's name with one number, is refused.
"""

from __future__ import annotations

from verifier._catalogue import Catalogue
from verifier._token import INT64_MAX

from ._filling import Filler
from ._parameters import Given
from ._template import merge_features
from ._yaml import Findings, Where, YamlMap, describe, did_you_mean, excerpt

__all__ = ["read_features"]


def read_features(
    template_features: YamlMap,
    order_features: YamlMap | None,
    filler: Filler,
    catalogue: Catalogue,
    findings: Findings,
) -> dict[str, int]:
    """License feature entries, in catalogue order; problems go to ``findings``."""
    entries = YamlMap(template_features.where)
    merge_features(entries, template_features)
    merge_features(entries, order_features)

    reader = _FeatureReader(filler, catalogue, findings)
    values: dict[str, int] = {}
    for name in entries:
        values.update(reader.entry(name, entries))
    return {name: values[name] for name in catalogue.license_names() if name in values}


class _FeatureReader:
    def __init__(
        self, filler: Filler, catalogue: Catalogue, findings: Findings
    ) -> None:
        self.filler = filler
        self.catalogue = catalogue
        self.findings = findings

    def entry(self, name: str, entries: YamlMap) -> dict[str, int]:
        key_where = entries.key_where[name]
        half = self.catalogue.pair_half(name)
        if half is not None:
            pair, side = half[0].name, half[1]
            return self._refuse(
                key_where,
                f"{name} is the {side} half of {pair}; write {pair}: "
                "{soft: N, hard: M} instead",
            )
        if name not in self.catalogue:
            hint = did_you_mean(name, self.catalogue.names)
            advice = (
                hint or "; the known features are listed in verifier/catalogue.json"
            )
            return self._refuse(key_where, f"unknown feature {excerpt(name)}{advice}")

        feature = self.catalogue[name]
        given = self.filler.fill(entries[name], entries.value_where[name])
        if feature.soft_name and feature.hard_name:
            return self._pair(name, given, feature.soft_name, feature.hard_name)
        if isinstance(given.value, dict):
            return self._refuse(
                given.where, f"{name} takes one number, not soft/hard; write {name}: N"
            )
        number = self._number(name, given, boolean=feature.kind == "boolean")
        return {} if number is None else {name: number}

    def _pair(
        self, name: str, given: Given, soft_name: str, hard_name: str
    ) -> dict[str, int]:
        if given.broken:
            return {}
        if not isinstance(given.value, YamlMap):
            return self._refuse(
                given.where,
                f"{name} is a soft/hard pair, not one number; write "
                f"{name}: {{soft: N, hard: M}}",
            )

        pair = given.value
        halves = {
            side: self.filler.fill(pair[side], pair.value_where[side])
            if side in pair
            else Given(None, pair.where)
            for side in ("soft", "hard")
        }
        if any(half.broken for half in halves.values()):
            return {}
        absent = [side for side, half in halves.items() if half.value is None]
        if len(absent) == 2 and all(half.via for half in halves.values()):
            return {}  # both halves come from parameters left out: no pair this time
        if absent:
            # Point at the half that was given when the other came out empty.
            given_half = [h for h in halves.values() if h.value is not None]
            where = given_half[0].where if given_half else pair.where
            return self._refuse(where, _missing_half(name, halves))

        soft = self._number(f"{name} soft limit", halves["soft"])
        hard = self._number(f"{name} hard limit", halves["hard"])
        if soft is None or hard is None:
            return {}
        if hard < soft:
            return self._refuse(
                halves["hard"].where,
                f"{name} hard limit {hard} is below its soft limit {soft}; "
                "raise hard or lower soft",
            )
        return {soft_name: soft, hard_name: hard}

    def _number(self, label: str, given: Given, *, boolean: bool = False) -> int | None:
        """A feature value: a whole number from 0 to the int64 maximum."""
        value, source = given.value, given.through()
        if given.broken or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            hint = "; write 1 to grant it" if boolean and value is True else ""
            found = describe(value)
            self._refuse(
                given.where,
                f"{label} is {found}{source}; expected a whole number{hint}",
            )
            return None
        if value < 0:
            self._refuse(
                given.where,
                f"{label} is {describe(value)}{source}; feature values cannot be "
                "negative; use 0 or more",
            )
            return None
        if value > INT64_MAX:
            self._refuse(
                given.where,
                f"{label} is {describe(value)}{source}, past the 64-bit limit of a "
                f"license ({INT64_MAX}); use a smaller number",
            )
            return None
        return value

    def _refuse(self, where: Where, message: str) -> dict[str, int]:
        self.findings.report(where, message)
        return {}


def _missing_half(name: str, halves: dict[str, Given]) -> str:
    present = [side for side, half in halves.items() if half.value is not None]
    if not present:
        return f"{name} has neither a soft nor a hard limit; give both"
    side = "hard" if present == ["soft"] else "soft"
    missing = f"{name} has a {present[0]} limit but no {side} limit"
    parameter = halves[side].via
    if parameter is not None:
        return f"{missing}: {parameter} has no value; give {parameter} too"
    return f"{missing}; give both, as {name}: {{soft: N, hard: M}}"
