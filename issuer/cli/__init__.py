"""The ``licensesmith`` command.

Subcommands are imported only when run, so ``licensesmith --help`` stays as
cheap as importing click (see ``benchmarks/``).
"""

from __future__ import annotations

import importlib

import click

# name -> (module under issuer.cli, attribute, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "keys": ("keys", "keys", "Generate, list and rotate signing keys."),
    "compile": (
        "compiling",
        "compile_command",
        "Print the claims an order compiles to.",
    ),
    "issue": (
        "issuing",
        "issue_command",
        "Compile, sign, verify, record and write a license.",
    ),
    "verify": (
        "verifying",
        "verify_command",
        "Check license files as the product would.",
    ),
    "inspect": (
        "verifying",
        "inspect_command",
        "Show a license's header and claims, unverified.",
    ),
    "entitlements": (
        "entitling",
        "entitlements_command",
        "Merge licenses into entitlements.",
    ),
    "preview": ("previewing", "preview_command", "Show what adding a license changes."),
    "batch": ("batching", "batch_command", "Issue every order of a file or folder."),
    "ledger": ("ledger", "ledger", "Query what was issued."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, attribute, _ = COMMANDS[name]
        module = importlib.import_module(f"{__name__}.{module_name}")
        return getattr(module, attribute)

    def format_commands(
        self, ctx: click.Context, formatter: click.HelpFormatter
    ) -> None:
        # Help lists the commands without importing them.
        rows = [(name, help_text) for name, (_, _, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(package_name="licensesmith")
@click.option("-v", "--verbose", count=True, help="Log more (repeat for debug).")
def main(verbose: int) -> None:
    """Turn sales orders into signed licenses, and check them as the product will.

    Example: licensesmith issue templates/premium.yaml examples/acme-premium.yaml
    --key keys.example/example.key --out acme.jwt
    """
    from ._common import configure_logging

    configure_logging(verbose)
