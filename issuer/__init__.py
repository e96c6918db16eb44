"""licensesmith's issuer: templates and orders in, signed and recorded licenses out.

The Python API for engineers::

    from datetime import UTC, datetime
    from issuer import issue_license, load_signing_key

    now = datetime(2027, 1, 1, tzinfo=UTC)
    key = load_signing_key("keys.example/example.key")
    issued = issue_license("templates/premium.yaml", "examples/acme-premium.yaml",
                           key=key, now=now, ledger=None, out=None)
    print(issued.token)

The issuer depends on the verifier, never the reverse.
"""

from .errors import CompileError, IssuerError, Problem

__all__ = ["CompileError", "IssuerError", "Problem"]
