"""The feature catalogue: which features exist and how each one behaves.

The catalogue is data (``catalogue.json`` beside this module) so that adding a
feature to the product is an edit of one file, not of every module that
happens to name features.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from ._errors import CatalogueError

KINDS = ("boolean", "limit", "usage_period")


@dataclass(frozen=True)
class Feature:
    """One catalogued feature."""

    name: str
    kind: str
    display_name: str
    sets: frozenset[str] = frozenset()
    always_enabled: bool = False
    soft_name: str | None = None
    hard_name: str | None = None

    @property
    def is_pair(self) -> bool:
        return self.soft_name is not None


@dataclass(frozen=True)
class Default:
    """A feature granted by default to licenses of one feature set."""

    feature: str
    feature_set: str
    per_user_of: str
    soft_per_user: int
    hard_per_user: int
    issued_at: int


@dataclass(frozen=True)
class Catalogue:
    """All features, in display order, with lookups the merge needs."""

    features: tuple[Feature, ...]
    feature_sets: tuple[str, ...]
    defaults: tuple[Default, ...] = ()
    #: Which feature answers which deployment fact: active_users,
    #: managed_agents, replicas, external_auth.
    roles: dict[str, str] = field(default_factory=dict)
    _by_name: dict[str, Feature] = field(default_factory=dict, compare=False)
    _pair_halves: dict[str, tuple[Feature, str]] = field(
        default_factory=dict, compare=False
    )

    def __post_init__(self) -> None:
        for feature in self.features:
            self._by_name[feature.name] = feature
            if feature.soft_name and feature.hard_name:
                self._pair_halves[feature.soft_name] = (feature, "soft")
                self._pair_halves[feature.hard_name] = (feature, "hard")

    def role(self, role: str) -> str | None:
        """The feature that answers one deployment fact, if the catalogue has one."""
        return self.roles.get(role)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Feature:
        return self._by_name[name]

    @property
    def names(self) -> list[str]:
        return [feature.name for feature in self.features]

    def pair_half(self, license_name: str) -> tuple[Feature, str] | None:
        """``(feature, "soft"|"hard")`` when a license entry is half of a pair."""
        return self._pair_halves.get(license_name)

    def license_names(self) -> list[str]:
        """Every name a license's ``features`` object may carry."""
        names: list[str] = []
        for feature in self.features:
            if feature.soft_name and feature.hard_name:
                names += [feature.soft_name, feature.hard_name]
            else:
                names.append(feature.name)
        return names

    def in_set(self, feature_set: str) -> list[Feature]:
        """Boolean features granted by a feature set, in catalogue order."""
        return [
            feature
            for feature in self.features
            if feature.kind == "boolean" and feature_set in feature.sets
        ]


def _display_name(name: str) -> str:
    return " ".join(word.capitalize() for word in name.split("_"))


def _parse_feature(name: str, raw: dict[str, Any]) -> Feature:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise CatalogueError(f"feature {name}: kind must be one of {KINDS}")

    soft, hard = raw.get("soft"), raw.get("hard")
    if (soft is None) != (hard is None):
        raise CatalogueError(f"feature {name}: a pair needs both soft and hard")
    if kind == "usage_period" and soft is None:
        raise CatalogueError(f"feature {name}: a usage-period feature is a pair")

    return Feature(
        name=name,
        kind=kind,
        display_name=raw.get("display_name") or _display_name(name),
        sets=frozenset(raw.get("sets", ())),
        always_enabled=bool(raw.get("always_enabled", False)),
        soft_name=soft,
        hard_name=hard,
    )


def _parse_default(raw: dict[str, Any]) -> Default:
    issued = datetime.fromisoformat(raw["issued_at"].replace("Z", "+00:00"))
    return Default(
        feature=raw["feature"],
        feature_set=raw["feature_set"],
        per_user_of=raw["per_user_of"],
        soft_per_user=int(raw["soft_per_user"]),
        hard_per_user=int(raw["hard_per_user"]),
        issued_at=int(issued.timestamp()),
    )


def parse_catalogue(data: dict[str, Any]) -> Catalogue:
    """Build a catalogue from its JSON form, refusing inconsistent data."""
    features = tuple(
        _parse_feature(name, raw) for name, raw in data["features"].items()
    )
    catalogue = Catalogue(
        features=features,
        feature_sets=tuple(data.get("feature_sets", ())),
        defaults=tuple(_parse_default(raw) for raw in data.get("defaults", ())),
        roles={
            role: name
            for role, name in data.get("roles", {}).items()
            if not role.startswith("_")
        },
    )

    for feature in features:
        unknown = feature.sets - set(catalogue.feature_sets)
        if unknown:
            raise CatalogueError(f"feature {feature.name}: unknown sets {unknown}")
    for default in catalogue.defaults:
        for name in (default.feature, default.per_user_of):
            if name not in catalogue:
                raise CatalogueError(f"default names unknown feature {name}")
    for role, name in catalogue.roles.items():
        if name not in catalogue:
            raise CatalogueError(f"role {role} names unknown feature {name}")
    return catalogue


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The catalogue of the reference product, shipped with the verifier."""
    text = resources.files(__package__).joinpath("catalogue.json").read_text()
    return parse_catalogue(json.loads(text))
