"""``ledger``: what was issued, to whom, when, from which template, with which key."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from verifier import format_time

from ..files import write_atomic
from ..ledger import LEDGER_ENV, Ledger, LedgerEntry, default_ledger_path
from ._common import json_option, user_errors
from ._output import EXAMPLE_KEY_NOTICE, announce_example_key, print_json
from ._tables import table

EXAMPLE_MARKER = "EXAMPLE KEY"


def _moment(text: str, *, upper_bound: bool) -> datetime:
    """A date (``2027-03-01``) or an RFC 3339 time, as an aware UTC datetime.

    A bare date given as an upper bound means the end of that day, so
    ``--until 2027-03-31`` includes everything recorded on March 31.
    """
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither a date nor an RFC 3339 time; write e.g. "
            "2027-03-01 or 2027-03-01T12:00:00Z"
        ) from None

    if len(text) == len("2027-03-01"):  # a bare date: midnight UTC
        moment = moment.replace(tzinfo=UTC)
        return moment + timedelta(days=1) if upper_bound else moment
    if moment.tzinfo is None:
        raise click.BadParameter(f"{text!r} has no time zone; add Z or an offset")
    return moment.astimezone(UTC)


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    return None if value is None else _moment(value, upper_bound=False)


def _until(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    return None if value is None else _moment(value, upper_bound=True)


@click.group()
@click.option(
    "--ledger",
    "ledger_path",
    metavar="PATH",
    type=click.Path(path_type=Path),
    help=f"The ledger file (default: ${LEDGER_ENV}, else one in your data folder).",
)
@click.pass_context
def ledger(ctx: click.Context, ledger_path: Path | None) -> None:
    """Query the ledger of every license issued.

    Example: licensesmith ledger list --account 0015000000XyZ
    """
    ctx.ensure_object(dict)["ledger_path"] = ledger_path or default_ledger_path()


def _open(ctx: click.Context) -> Ledger:
    return Ledger(ctx.obj["ledger_path"], create=False)


@ledger.command("list")
@click.option("--account", help="Only this account id.")
@click.option("--template", help="Only licenses compiled from this template name.")
@click.option("--kid", help="Only licenses signed with this key id.")
@click.option(
    "--since",
    metavar="DATE",
    callback=_since,
    help="Recorded at or after DATE (a date or an RFC 3339 time).",
)
@click.option(
    "--until",
    metavar="DATE",
    callback=_until,
    help="Recorded up to DATE; a bare date includes that whole day.",
)
@json_option
@click.pass_context
@user_errors
def list_command(
    ctx: click.Context,
    account: str | None,
    template: str | None,
    kid: str | None,
    since: datetime | None,
    until: datetime | None,
    as_json: bool,
) -> None:
    """List recorded licenses, oldest first.

    Example: licensesmith ledger list --kid prod-2027 --since 2027-01-01
    """
    with _open(ctx) as book:
        entries = book.list(account, template, kid, since, until)

    if as_json:
        print_json([entry.to_json() for entry in entries])
        return
    if not entries:
        click.echo("no licenses match")
        return
    headers = ["JTI", "RECORDED", "ACCOUNT", "TEMPLATE", "KID", "EXPIRES", "NOTE"]
    click.echo(table(headers, [_row(entry) for entry in entries]))


@ledger.command("show")
@click.argument("jti")
@json_option
@click.pass_context
@user_errors
def show_command(ctx: click.Context, jti: str, as_json: bool) -> None:
    """Show one license: claims, hashes, key, who issued it and when.

    JTI is the license id or its first 8 or more characters.

    Example: licensesmith ledger show 3f2a9c1e
    """
    with _open(ctx) as book:
        entry = book.get(jti)

    if entry.example_key:
        announce_example_key(entry.jti)
    if as_json:
        print_json(entry.to_json())
        return
    for label, value in _details(entry):
        click.echo(f"{label:<14}{value}")
    click.echo("claims")
    click.echo(json.dumps(entry.claims, indent=2, sort_keys=True))


@ledger.command("export")
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["csv", "json"]),
    required=True,
    help="csv: one column per field; json: an array of objects.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (owner-only, atomically) instead of standard output.",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.pass_context
@user_errors
def export_command(
    ctx: click.Context, export_format: str, out: Path | None, force: bool
) -> None:
    """Export the whole ledger, tokens included.

    Example: licensesmith ledger export --format csv --out issued.csv
    """
    buffer = io.StringIO()
    with _open(ctx) as book:
        book.export(export_format, buffer)  # type: ignore[arg-type]

    if out is None:
        click.echo(buffer.getvalue(), nl=False)
        return
    # The export holds live tokens and customer names, like the ledger itself.
    write_atomic(out, buffer.getvalue().encode("utf-8"), overwrite=force, mode=0o600)
    click.echo(f"wrote {out}")


def _row(entry: LedgerEntry) -> list[str]:
    return [
        entry.jti,
        _time(entry.recorded_at),
        f"{entry.account_type}/{entry.account_id}",
        entry.template_name,
        entry.kid,
        format_time(entry.license_expires)[:10],
        EXAMPLE_MARKER if entry.example_key else "",
    ]


def _details(entry: LedgerEntry) -> list[tuple[str, str]]:
    key = entry.kid
    if entry.example_key:
        key += f"  {EXAMPLE_MARKER}: {EXAMPLE_KEY_NOTICE}"
    order = (
        f"{entry.order_path or '(no file name)'}  sha256 {entry.order_sha256}"
        if entry.order_sha256
        else "none (values given on the command line)"
    )
    return [
        ("jti", entry.jti),
        ("account", f"{entry.account_type}/{entry.account_id}"),
        ("template", f"{entry.template_name}  sha256 {entry.template_sha256}"),
        ("order", order),
        ("key id", key),
        ("token sha256", entry.token_sha256),
        ("issued by", entry.issued_by),
        ("recorded at", _time(entry.recorded_at)),
        ("term", f"{format_time(entry.nbf)} to {format_time(entry.license_expires)}"),
        ("grace until", format_time(entry.exp)),
        ("output", _output(entry.output_path)),
    ]


def _output(path: str | None) -> str:
    """Where the license went; a record alone does not prove the file exists."""
    if path is None:
        return "standard output"
    # A relative path is looked up from here, as the user would look for it.
    if not Path(path).is_file():
        return f"{path} (file not found now)"
    return path


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
