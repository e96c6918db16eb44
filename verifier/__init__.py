"""licensesmith's verifier: parse, validate and merge licenses as the product does.

Importable on its own (no click, no YAML, nothing from the issuer)::

    from datetime import UTC, datetime
    from verifier import Facts, compute_entitlements, load_keyring, verify_license

    keyring = load_keyring("keys.example/keyring.json")
    now = datetime(2027, 3, 1, tzinfo=UTC)
    license = verify_license(token, keyring, now)
    result = compute_entitlements([token], now=now, keyring=keyring,
                                  facts=Facts(active_users=42))
    print(entitlements_to_json(result))
"""

from ._catalogue import Catalogue, Feature, default_catalogue, parse_catalogue
from ._errors import (
    BadSignature,
    CatalogueError,
    Expired,
    InvalidClaim,
    IssuedInFuture,
    KeyringError,
    LicenseError,
    MalformedToken,
    NotYetValid,
    UnknownKey,
    UnsupportedAlgorithm,
)
from ._keyring import (
    Keyring,
    is_example_key,
    is_valid_kid,
    load_keyring,
    raw_public_bytes,
)
from ._merge import compute_entitlements, merge_verified, soft_warning_threshold
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
from ._render import entitlements_to_json, feature_to_json
from ._token import (
    MAX_TOKEN_BYTES,
    License,
    decode_unverified,
    format_time,
    is_signed_with_example_key,
    verify_license,
)

__all__ = [
    "ENTITLED",
    "GRACE_PERIOD",
    "MAX_TOKEN_BYTES",
    "NOT_ENTITLED",
    "BadSignature",
    "Catalogue",
    "CatalogueError",
    "Entitlements",
    "Expired",
    "Facts",
    "Feature",
    "FeatureState",
    "InvalidClaim",
    "IssuedInFuture",
    "Keyring",
    "KeyringError",
    "License",
    "LicenseError",
    "LicenseReport",
    "MalformedToken",
    "NotYetValid",
    "UnknownKey",
    "UnsupportedAlgorithm",
    "UsagePeriod",
    "compute_entitlements",
    "decode_unverified",
    "default_catalogue",
    "entitlements_to_json",
    "feature_to_json",
    "format_time",
    "is_example_key",
    "is_signed_with_example_key",
    "is_valid_kid",
    "load_keyring",
    "merge_verified",
    "parse_catalogue",
    "raw_public_bytes",
    "soft_warning_threshold",
    "verify_license",
]
