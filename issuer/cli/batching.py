"""``batch``: every order of a file or folder, checked first, then issued."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from . import _common
from ._common import fail, json_option, now_option, user_errors
from ._output import print_json
from .compiling import templates_option
from .issuing import key_options, load_key, open_ledger


@click.command()
@click.argument("orders", type=click.Path(exists=True, path_type=Path))
@key_options
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the license files (created if missing).",
)
@templates_option
@now_option
@json_option
@user_errors
def batch_command(
    orders: Path,
    key_path: Path,
    kid: str | None,
    allow_insecure_key_file: bool,
    ledger_path: Path | None,
    yes: bool,
    dry_run: bool,
    out_dir: Path,
    templates_dir: Path | None,
    now: datetime,
    as_json: bool,
) -> None:
    """Issue every order of a YAML file (a list) or a folder of order files.

    All orders are compiled and checked before the first signature: one bad
    order stops the batch with every problem listed, and nothing is signed.
    Orders already in the ledger are reported and not issued again.

    Example: licensesmith batch examples/batch --key keys.example/example.key
    --out issued/
    """
    from ..batch import (
        compile_all,
        exclusive_batch,
        find_order_files,
        issue_each,
        plan,
    )
    from ..compiler import compile_orders

    sources = find_order_files(orders)
    compiled = compile_all(
        sources,
        lambda path: compile_orders(path, now=now, templates_dir=templates_dir),
    )
    noun = "order" if len(compiled) == 1 else "orders"
    click.echo(f"{len(compiled)} {noun} compiled and checked", err=True)
    key = load_key(key_path, kid, allow_insecure_key_file)
    items = plan(compiled, out_dir)

    if dry_run:
        _summary(items, as_json)
        click.echo("dry run: nothing signed, recorded or written", err=True)
        return
    if not yes and _common.interactive():
        click.confirm(f"Sign and record {len(items)} licenses?", abort=True, err=True)

    ledger = open_ledger(ledger_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    done: list[Any] = []
    try:
        with (
            exclusive_batch(ledger.path),
            click.progressbar(
                items, label="signing", file=sys.stderr, show_pos=True
            ) as bar,
        ):
            for item in issue_each(
                items, key, ledger, now=now, progress=lambda _: iter(bar)
            ):
                done.append(item)
    except KeyboardInterrupt:
        issued = sum(item.status == "issued" for item in done)
        fail(
            f"interrupted after {issued} of {len(items)} licenses were issued; run "
            "the same batch again: it issues the rest, and writes the file of a "
            "license that was recorded but not yet written"
        )
    finally:
        ledger.close()
    _summary(done, as_json)


def _summary(items: list[Any], as_json: bool) -> None:
    from verifier import format_time

    from ._tables import table

    rows = []
    for item in items:
        claims = item.compiled.claims
        rows.append(
            [
                claims["account_id"],
                item.compiled.template_name,
                format_time(claims["nbf"])[:10],
                format_time(claims["license_expires"])[:10],
                item.status,
                str(item.out),
            ]
        )
    if as_json:
        keys = ("account_id", "template", "start", "end", "status", "file")
        print_json([dict(zip(keys, row, strict=True)) for row in rows])
        return
    click.echo(table(("account", "template", "start", "end", "status", "file"), rows))
    counts: dict[str, int] = {}
    for item in items:
        counts[item.status] = counts.get(item.status, 0) + 1
    click.echo(", ".join(f"{count} {status}" for status, count in counts.items()))
