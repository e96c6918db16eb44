"""``compile``: what an order would become, with nothing signed."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ._common import json_option, now_option, user_errors
from ._output import print_json

templates_option = click.option(
    "--templates",
    "templates_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Where orders find templates named without a path (default: ./templates).",
)


def order_arguments(func: Any) -> Any:
    """TEMPLATE [ORDER] [--set k=v]... [--templates DIR], for compile and issue."""
    decorators = [
        click.argument("template", type=click.Path(dir_okay=False)),
        click.argument("order", required=False, type=click.Path(dir_okay=False)),
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="NAME=VALUE",
            help="Give or override one order value (repeatable).",
        ),
        templates_option,
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def compile_from_options(
    template: str,
    order: str | None,
    sets: tuple[str, ...],
    templates_dir: Path | None,
    now: datetime,
) -> Any:
    from ..compiler import compile_order

    if order is None and _names_a_template(Path(template)):
        # `compile ORDER`: the order says which template it uses.
        return compile_order(None, template, sets, now=now, templates_dir=templates_dir)
    return compile_order(template, order, sets, now=now, templates_dir=templates_dir)


_TEMPLATE_KEY = re.compile(rb"^template\s*:", re.MULTILINE)


def _names_a_template(path: Path) -> bool:
    """An order names its template at the top level; a template never does."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False
    return _TEMPLATE_KEY.search(head) is not None


def summary_text(compiled: Any, key: str | None = None, out: Path | None = None) -> str:
    """What is about to be signed, as a person checks it before saying yes."""
    from ._tables import table

    rows = [[label, value] for label, value in compiled.summary_rows()]
    rows += [[name, value] for name, value in _default_rows(compiled.claims)]
    if key:
        rows.append(["signing key", key])
    if out:
        rows.append(["output", str(out)])
    return table(("", ""), rows).split("\n", 2)[2]


def _default_rows(claims: dict[str, Any]) -> list[tuple[str, str]]:
    """Features the product grants by default, which the claims do not show."""
    from verifier import default_catalogue

    catalogue = default_catalogue()
    features = claims.get("features", {})
    rows = []
    for default in catalogue.defaults:
        feature = catalogue[default.feature]
        users = features.get(default.per_user_of, 0)
        stated = feature.soft_name in features or feature.name in features
        if claims.get("feature_set") != default.feature_set or users <= 0 or stated:
            continue
        soft, hard = default.soft_per_user * users, default.hard_per_user * users
        rows.append((feature.name, f"soft {soft} / hard {hard} (product default)"))
    return rows


@click.command()
@order_arguments
@now_option
@json_option
@user_errors
def compile_command(
    template: str,
    order: str | None,
    sets: tuple[str, ...],
    templates_dir: Path | None,
    now: datetime,
    as_json: bool,
) -> None:
    """Print the claims an order compiles to; sign nothing.

    TEMPLATE may be left out when the ORDER names its template: then give the
    order alone.

    Example: licensesmith compile templates/premium.yaml examples/acme-premium.yaml
    --set seats=200
    """
    compiled = compile_from_options(template, order, sets, templates_dir, now)
    if as_json:
        print_json(compiled.claims)
        return
    click.echo(summary_text(compiled))
    click.echo("")
    click.echo("claims (not signed):")
    print_json(compiled.claims)
