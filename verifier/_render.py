"""Entitlements as the JSON the product serves (SPEC section 6)."""

from __future__ import annotations

from typing import Any

from ._model import Entitlements, FeatureState, UsagePeriod
from ._token import format_time


def period_to_json(period: UsagePeriod) -> dict[str, str]:
    return {
        "issued_at": format_time(period.issued_at),
        "start": format_time(period.start),
        "end": format_time(period.end),
    }


def feature_to_json(state: FeatureState) -> dict[str, Any]:
    """Members in a fixed order; optional ones absent, never null."""
    result: dict[str, Any] = {
        "entitlement": state.entitlement,
        "enabled": state.enabled,
    }
    for name in ("limit", "soft_limit", "actual"):
        value = getattr(state, name)
        if value is not None:
            result[name] = value
    if state.usage_period is not None:
        result["usage_period"] = period_to_json(state.usage_period)
    return result


def entitlements_to_json(entitlements: Entitlements) -> dict[str, Any]:
    features = entitlements.features
    return {
        "features": {
            name: feature_to_json(features[name]) for name in sorted(features)
        },
        "warnings": list(entitlements.warnings),
        "errors": list(entitlements.errors),
        "has_license": entitlements.has_license,
        "trial": entitlements.trial,
        "require_telemetry": entitlements.require_telemetry,
        "refreshed_at": format_time(entitlements.refreshed_at.timestamp()),
    }
