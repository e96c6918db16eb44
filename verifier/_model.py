"""The values the merge works on and returns: features, facts, results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

ENTITLED = "entitled"
GRACE_PERIOD = "grace_period"
NOT_ENTITLED = "not_entitled"

#: Higher is better (SPEC 5, "better" rule 3).
ENTITLEMENT_RANK = {NOT_ENTITLED: 0, GRACE_PERIOD: 1, ENTITLED: 2}

#: Managed-agent usage between two NumericDates (start, end) -> count.
UsageCounter = Callable[[int, int], int]


@dataclass(frozen=True)
class UsagePeriod:
    issued_at: int
    start: int
    end: int


@dataclass(frozen=True)
class FeatureState:
    """What one feature is worth to the deployment right now."""

    entitlement: str
    enabled: bool
    limit: int | None = None
    soft_limit: int | None = None
    actual: int | None = None
    usage_period: UsagePeriod | None = None


@dataclass(frozen=True)
class Facts:
    """What the deployment reports about itself (SPEC 5 inputs).

    ``managed_agents`` is a count, or a function from a usage period's
    (start, end) to the number of managed-agent builds inside it.
    """

    active_users: int = 0
    replicas: int = 1
    external_auth: int = 0
    enabled: frozenset[str] = frozenset()
    managed_agents: int | UsageCounter = 0

    def usage_between(self, start: int, end: int) -> int:
        if callable(self.managed_agents):
            return int(self.managed_agents(start, end))
        return int(self.managed_agents)


@dataclass(frozen=True)
class LicenseReport:
    """How one input license fared: valid, not_yet_valid, ignored or invalid."""

    id: str
    status: str
    detail: str = ""
    kid: str | None = None
    jti: str | None = None
    signed_with_example_key: bool = False


@dataclass
class Entitlements:
    """The merged answer, in the shape the product serves (SPEC 6)."""

    features: dict[str, FeatureState]
    refreshed_at: datetime
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    has_license: bool = False
    trial: bool = False
    require_telemetry: bool = False
    licenses: list[LicenseReport] = field(default_factory=list)
