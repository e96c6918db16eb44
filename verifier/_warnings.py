"""The wording of every warning and error the merge produces.

Kept in one place so the text can be read and reviewed as a whole; only the
number of messages is fixed by the reference vectors, the words are ours.
"""

from __future__ import annotations

_WHAT_IS_COUNTED = {
    "replicas": ("replicas", "high availability"),
    "external_auth": ("external auth providers", "multiple external auth"),
}


class Messages:
    @staticmethod
    def invalid_license(license_id: str, reason: str) -> str:
        return f"Invalid license ({license_id}) parsing claims: {reason}"

    @staticmethod
    def forbidden_feature(name: str) -> str:
        return f"Feature {name} is forbidden to be set in a license."

    @staticmethod
    def invalid_pair(license_id: str, name: str, problem: str) -> str:
        return f"Invalid license ({license_id}): feature {name} has {problem}."

    @staticmethod
    def expires_in(days: int) -> str:
        unit = "day" if days == 1 else "days"
        return f"Your license expires in {days} {unit}."

    @staticmethod
    def needs_feature(role: str, count: int, has_license: bool) -> str:
        counted, feature = _WHAT_IS_COUNTED.get(role, (role, role))
        if has_license:
            return (
                f"This deployment has {count} {counted}, which needs {feature}, "
                f"and no license grants it; reduce to one or add {feature}."
            )
        return (
            f"This deployment has {count} {counted}, which needs {feature}, "
            "a licensed feature; there is no license, so reduce to one."
        )

    @staticmethod
    def feature_in_grace(role: str, count: int) -> str:
        counted, feature = _WHAT_IS_COUNTED.get(role, (role, role))
        return (
            f"This deployment has {count} {counted}, but the license for {feature} "
            "has expired and is in its grace period; renew it or reduce to one."
        )

    @staticmethod
    def agents_blocked(usage: int, hard: int) -> str:
        return (
            f"Managed agent usage {usage} has reached the hard limit {hard}; "
            "further builds with managed agents will be blocked."
        )

    @staticmethod
    def agents_near(usage: int, hard: int) -> str:
        return f"Managed agent usage {usage} is approaching the hard limit {hard}."

    @staticmethod
    def too_many_users(active: int, limit: int) -> str:
        return f"There are {active} active users, more than the licensed {limit}."

    @staticmethod
    def user_limit_expired(limit: int) -> str:
        return (
            f"The license with a user limit of {limit} has expired and is in its "
            "grace period."
        )

    @staticmethod
    def not_entitled(display_name: str) -> str:
        return f"{display_name} is enabled, but no license grants it."

    @staticmethod
    def in_grace(display_name: str) -> str:
        return (
            f"{display_name} is enabled, but its license has expired and is in "
            "its grace period."
        )
