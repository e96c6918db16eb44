"""Several licenses into one set of entitlements, by the product's rules.

The steps follow SPEC section 5 in order: a loop over the licenses that
offers features, then the checks against what the deployment reports. Offers
are kept only when better (``_ranking``); the boolean replacement quirk of the
reference product is kept on purpose.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from ._catalogue import Catalogue, Feature, default_catalogue
from ._errors import LicenseError, NotYetValid
from ._keyring import Keyring
from ._model import (
    ENTITLED,
    GRACE_PERIOD,
    NOT_ENTITLED,
    Entitlements,
    Facts,
    FeatureState,
    LicenseReport,
    UsagePeriod,
)
from ._ranking import is_better
from ._token import License, judge_again, verify_license
from ._warnings import Messages

LicenseInput = str | tuple[str, str]
SECONDS_PER_DAY = 86400
EXPIRY_WARNING_DAYS = 30
TRIAL_EXPIRY_WARNING_DAYS = 7


def compute_entitlements(
    licenses: Iterable[LicenseInput],
    *,
    now: datetime,
    keyring: Keyring,
    facts: Facts | None = None,
    catalogue: Catalogue | None = None,
    leeway: int = 0,
) -> Entitlements:
    """Merge licenses (tokens, or ``(id, token)`` pairs) at ``now``.

    Ids name licenses in errors; a bare token is named by its position, from 1.
    """
    merge = _Merge(now, keyring, facts or Facts(), catalogue or default_catalogue())
    for position, item in enumerate(licenses, start=1):
        license_id, token = item if isinstance(item, tuple) else (str(position), item)
        merge.add(license_id, token, leeway)
    return merge.finish()


def merge_verified(
    licenses: Iterable[tuple[str, License]],
    *,
    now: datetime,
    facts: Facts | None = None,
    catalogue: Catalogue | None = None,
    leeway: int = 0,
) -> Entitlements:
    """Merge ``(id, license)`` pairs whose signatures were verified already.

    For a caller that has just verified a token and must not pay for the
    signature twice (the issuer's round trip). Each license's claims are
    judged again at ``now``, then merged by the very rules of
    ``compute_entitlements``, so a license that would fail there fails here.
    """
    merge = _Merge(now, None, facts or Facts(), catalogue or default_catalogue())
    for license_id, license in licenses:
        merge.add_verified(license_id, license, leeway)
    return merge.finish()


class _Merge:
    def __init__(
        self,
        now: datetime,
        keyring: Keyring | None,
        facts: Facts,
        catalogue: Catalogue,
    ) -> None:
        self.now = now
        self.moment = now.timestamp()
        self.keyring = keyring
        self.facts = facts
        self.catalogue = catalogue
        self.spans: list[tuple[int, int]] = []
        self.result = Entitlements(features=self._start(), refreshed_at=now)

    def _start(self) -> dict[str, FeatureState]:
        users = self.catalogue.role("active_users")
        features = {}
        for feature in self.catalogue.features:
            actual = self.facts.active_users if feature.name == users else None
            features[feature.name] = FeatureState(
                NOT_ENTITLED, feature.name in self.facts.enabled, actual=actual
            )
        return features

    # Offering.

    def offer(self, name: str, state: FeatureState) -> None:
        feature = self.catalogue[name]
        if feature.kind == "usage_period":
            if state.usage_period is None:
                return
        elif state.usage_period is not None:
            state = replace(state, usage_period=None)
        if is_better(state, self.result.features[name]):
            self.result.features[name] = state

    def _enabled(self, feature: Feature) -> bool:
        return feature.always_enabled or feature.name in self.facts.enabled

    # One license.

    def add(self, license_id: str, token: str, leeway: int) -> None:
        assert self.keyring is not None, "tokens need a keyring to be verified"
        keyring = self.keyring
        self._add(license_id, lambda: verify_license(token, keyring, self.now, leeway))

    def add_verified(self, license_id: str, license: License, leeway: int) -> None:
        self._add(license_id, lambda: judge_again(license, self.now, leeway))

    def _add(self, license_id: str, check: Callable[[], License]) -> None:
        license = self._checked(license_id, check)
        if license is None:
            return
        if license.nbf > license.exp:
            self._reject(license_id, "nbf is after exp")
            return

        self._record_valid(license_id, license)
        entitlement = (
            ENTITLED if self.moment <= license.license_expires else GRACE_PERIOD
        )
        feature_set = license.feature_set
        if license.all_features and not feature_set:
            feature_set = "enterprise"

        self._offer_defaults(license, feature_set, entitlement)
        self._offer_feature_set(feature_set, entitlement)
        self._offer_values(license_id, license, entitlement)
        self._offer_pairs(license_id, license, entitlement)

    def _checked(self, license_id: str, check: Callable[[], License]) -> License | None:
        """The license ``check`` returns, or None once its failure is reported."""
        try:
            return check()
        except NotYetValid as pending:
            self._record_pending(license_id, pending)
        except LicenseError as error:
            self._reject(license_id, str(error))
        return None

    def _record_pending(self, license_id: str, pending: NotYetValid) -> None:
        license = pending.license
        if isinstance(license, License):
            self.spans.append((license.nbf, license.license_expires))
            self._report(license_id, "not_yet_valid", str(pending), license)
        else:
            self._report(license_id, "ignored", f"{pending}, and invalid otherwise")

    def _reject(self, license_id: str, reason: str) -> None:
        self.result.errors.append(Messages.invalid_license(license_id, reason))
        self._report(license_id, "invalid", reason)

    def _record_valid(self, license_id: str, license: License) -> None:
        self.spans.append((license.nbf, license.license_expires))
        self.result.has_license = True
        self.result.require_telemetry |= license.require_telemetry
        self.result.trial = license.trial
        self._report(license_id, "valid", "", license)

    def _report(
        self, license_id: str, status: str, detail: str, license: License | None = None
    ) -> None:
        self.result.licenses.append(
            LicenseReport(
                id=license_id,
                status=status,
                detail=detail,
                kid=license.kid if license else None,
                jti=license.jti if license else None,
                signed_with_example_key=bool(
                    license and license.signed_with_example_key
                ),
            )
        )

    def _offer_defaults(
        self, license: License, feature_set: str, entitlement: str
    ) -> None:
        for default in self.catalogue.defaults:
            users = license.features.get(default.per_user_of, 0)
            if default.feature_set != feature_set or users <= 0:
                continue
            period = UsagePeriod(default.issued_at, license.nbf, license.exp)
            self.offer(
                default.feature,
                FeatureState(
                    entitlement,
                    True,
                    limit=default.hard_per_user * users,
                    soft_limit=default.soft_per_user * users,
                    usage_period=period,
                ),
            )

    def _offer_feature_set(self, feature_set: str, entitlement: str) -> None:
        for feature in self.catalogue.in_set(feature_set):
            self.offer(feature.name, FeatureState(entitlement, self._enabled(feature)))

    def _offer_values(
        self, license_id: str, license: License, entitlement: str
    ) -> None:
        users = self.catalogue.role("active_users")
        for name, value in license.features.items():
            feature = self.catalogue[name] if name in self.catalogue else None
            if feature is not None and feature.is_pair:
                self.result.errors.append(Messages.forbidden_feature(name))
                continue
            if feature is None or value <= 0:
                # Unknown (old or future) features, negatives and zeros grant nothing.
                continue
            if feature.kind == "limit":
                actual = self.facts.active_users if name == users else None
                self.offer(
                    name, FeatureState(entitlement, True, limit=value, actual=actual)
                )
            elif feature.kind == "boolean":
                # The reference product replaces, not offers: kept on purpose.
                self.result.features[name] = FeatureState(
                    entitlement, self._enabled(feature)
                )

    def _offer_pairs(self, license_id: str, license: License, entitlement: str) -> None:
        for feature in self.catalogue.features:
            if not (feature.soft_name and feature.hard_name):
                continue
            soft = license.features.get(feature.soft_name)
            hard = license.features.get(feature.hard_name)
            if soft is None and hard is None:
                continue
            problem = _pair_problem(soft, hard)
            if problem:
                self.result.errors.append(
                    Messages.invalid_pair(license_id, feature.name, problem)
                )
                continue
            assert soft is not None and hard is not None
            period = UsagePeriod(license.iat, license.nbf, license.exp)
            if hard == 0:
                state = FeatureState(entitlement, False, 0, 0, usage_period=period)
            else:
                state = FeatureState(entitlement, True, hard, soft, usage_period=period)
            self.offer(feature.name, state)

    # After all licenses.

    def finish(self) -> Entitlements:
        self._warn_expiry()
        self._check_required_feature("replicas", self.facts.replicas)
        self._check_required_feature("external_auth", self.facts.external_auth)
        self._count_managed_agents()
        self._check_user_limit()
        self._warn_unlicensed_features()
        for name, state in self.result.features.items():
            if state.entitlement == NOT_ENTITLED and state.enabled:
                self.result.features[name] = replace(state, enabled=False)
        return self.result

    def _warn_expiry(self) -> None:
        block = _earliest_block(self.spans)
        if block is None:
            return
        days = math.ceil((block[1] - self.moment) / SECONDS_PER_DAY)
        limit = TRIAL_EXPIRY_WARNING_DAYS if self.result.trial else EXPIRY_WARNING_DAYS
        if 0 < days < limit:
            self.result.warnings.append(Messages.expires_in(days))

    def _check_required_feature(self, role: str, count: int) -> None:
        name = self.catalogue.role(role)
        if name is None or count <= 1:
            return
        entitlement = self.result.features[name].entitlement
        if entitlement == NOT_ENTITLED:
            self.result.errors.append(
                Messages.needs_feature(role, count, self.result.has_license)
            )
        elif entitlement == GRACE_PERIOD:
            self.result.warnings.append(Messages.feature_in_grace(role, count))

    def _count_managed_agents(self) -> None:
        name = self.catalogue.role("managed_agents")
        if name is None or not self.result.has_license:
            return
        state = self.result.features[name]
        period = state.usage_period
        if period is None:
            return
        usage = self.facts.usage_between(period.start, period.end)
        self.result.features[name] = state = replace(state, actual=usage)
        if not state.enabled or state.limit is None:
            return

        hard, soft = state.limit, state.soft_limit or 0
        if usage >= hard:
            self.result.warnings.append(Messages.agents_blocked(usage, hard))
        elif usage >= soft_warning_threshold(soft, hard):
            self.result.warnings.append(Messages.agents_near(usage, hard))

    def _check_user_limit(self) -> None:
        name = self.catalogue.role("active_users")
        if name is None:
            return
        state = self.result.features[name]
        if state.limit is None:
            return
        if self.facts.active_users > state.limit:
            self.result.warnings.append(
                Messages.too_many_users(self.facts.active_users, state.limit)
            )
        elif state.entitlement == GRACE_PERIOD:
            self.result.warnings.append(Messages.user_limit_expired(state.limit))

    def _warn_unlicensed_features(self) -> None:
        own_checks = set(self.catalogue.roles.values())
        for feature in self.catalogue.features:
            state = self.result.features[feature.name]
            if feature.name in own_checks or not state.enabled:
                continue
            if state.entitlement == NOT_ENTITLED:
                self.result.warnings.append(Messages.not_entitled(feature.display_name))
            elif state.entitlement == GRACE_PERIOD:
                self.result.warnings.append(Messages.in_grace(feature.display_name))


def soft_warning_threshold(soft: int, hard: int) -> int:
    """Usage at which the agent limit is 'near': 75% of the way past soft."""
    if hard > soft > 0:
        return soft + (hard - soft) * 3 // 4
    return hard * 3 // 4


def _pair_problem(soft: int | None, hard: int | None) -> str:
    if soft is None:
        return "a hard limit but no soft limit"
    if hard is None:
        return "a soft limit but no hard limit"
    if soft < 0 or hard < 0:
        return f"a negative limit (soft {soft}, hard {hard})"
    if hard < soft:
        return f"a hard limit {hard} below its soft limit {soft}"
    return ""


def _earliest_block(spans: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """Join spans that touch or overlap; return the block that starts first."""
    if not spans:
        return None
    ordered = sorted(spans)
    start, end = ordered[0]
    for span_start, span_end in ordered[1:]:
        if span_start > end:
            break
        end = max(end, span_end)
    return start, end
