"""``compile``: what an order would become, with nothing signed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ._common import json_option, now_option, user_errors
from ._output import print_json

templates_option = click.option(
    "--templates",
    "templates_dir",
    type=click.Path(file_okay=False, path_type=Path),
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

    return compile_order(template, order, sets, now=now, templates_dir=templates_dir)


def summary_text(compiled: Any) -> str:
    from ._tables import table

    rows = [[label, value] for label, value in compiled.summary_rows()]
    return table(("", ""), rows).split("\n", 2)[2]


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
