"""What a deployment reports about itself, as command options.

``entitlements`` and ``preview`` both merge licenses against the same facts,
so the options are declared once here. ``deployment_options`` adds them;
the command passes their values, untouched, to ``facts_from_options``::

    @click.command()
    @deployment_options
    @user_errors
    def command(**deployment: Any) -> None:
        facts, leeway = facts_from_options(**deployment)

Building the facts inside the command body keeps a bad ``--usage`` file under
``user_errors``: one line and exit code 1.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import click

from verifier import Catalogue, Facts, default_catalogue

from ..usage import load_usage
from ._common import leeway_option

F = TypeVar("F", bound=Callable[..., Any])


class Deployment(NamedTuple):
    """The facts to merge against, and the clock-skew leeway in seconds."""

    facts: Facts
    leeway: int


def facts_from_options(
    *,
    active_users: int = 0,
    managed_agents: int | None = None,
    usage: str | Path | None = None,
    replicas: int = 1,
    external_auth: int = 0,
    enable: Iterable[str] = (),
    leeway: int = 0,
    catalogue: Catalogue | None = None,
) -> Deployment:
    """Facts from the option values; a ``--usage`` file is read here, once.

    Raises ``click.UsageError`` for options that contradict each other or name
    no feature, and ``issuer.usage.UsageFileError`` for a bad usage file.
    """
    if managed_agents is not None and usage is not None:
        raise click.UsageError(
            "--managed-agents and --usage both give managed-agent usage; use one "
            "(--usage counts only the events inside the winning usage period)"
        )
    enabled = frozenset(enable)
    _check_feature_names(enabled, catalogue or default_catalogue())

    facts = Facts(
        active_users=active_users,
        replicas=replicas,
        external_auth=external_auth,
        enabled=enabled,
        managed_agents=load_usage(usage) if usage else (managed_agents or 0),
    )
    return Deployment(facts, leeway)


def _check_feature_names(names: Iterable[str], catalogue: Catalogue) -> None:
    for name in sorted(names):
        if name in catalogue:
            continue
        close = difflib.get_close_matches(name, catalogue.names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise click.BadParameter(
            f"{name!r} is not a feature of the catalogue{hint}", param_hint="--enable"
        )


_OPTIONS = (
    click.option(
        "--active-users",
        type=click.IntRange(min=0),
        default=0,
        metavar="N",
        help="Users active in the deployment (compared with user_limit).",
    ),
    click.option(
        "--managed-agents",
        type=click.IntRange(min=0),
        metavar="N",
        help="Managed-agent builds within the usage period.",
    ),
    click.option(
        "--usage",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        metavar="FILE",
        help="Managed-agent build times, one per line (JSON Lines or CSV); only "
        "those inside the winning usage period count.",
    ),
    click.option(
        "--replicas",
        type=click.IntRange(min=1),
        default=1,
        metavar="N",
        help="Server replicas (more than one needs high_availability).",
    ),
    click.option(
        "--external-auth",
        type=click.IntRange(min=0),
        default=0,
        metavar="N",
        help="External auth providers (more than one needs multiple_external_auth).",
    ),
    click.option(
        "--enable",
        multiple=True,
        metavar="FEATURE",
        help="A feature the operator switched on (repeatable).",
    ),
    leeway_option,
)


def deployment_options(func: F) -> F:
    """Add the deployment-fact options, in this order, to a command."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func
