"""Options and error handling shared by every command."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

LOG_LEVEL_ENV = "LICENSESMITH_LOG"


def configure_logging(verbose: int) -> None:
    """The CLI alone configures logging, for its own package only."""
    level_name = os.environ.get(LOG_LEVEL_ENV, "")
    level = getattr(logging, level_name.upper(), None) if level_name else None
    if level is None:
        level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for package in ("issuer", "verifier"):
        logger = logging.getLogger(package)
        logger.setLevel(level)
        if not logger.handlers:
            logger.addHandler(handler)


def parse_now(value: str | None) -> datetime:
    """``--now`` as an aware UTC datetime; the wall clock when absent."""
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an RFC 3339 time; write e.g. 2027-01-31T12:00:00Z",
            param_hint="--now",
        ) from None
    if parsed.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} has no time zone; add Z or an offset such as +02:00",
            param_hint="--now",
        )
    if not EARLIEST_NOW <= parsed <= LATEST_NOW:
        raise click.BadParameter(
            f"{value!r} is outside the years 1970 to 9000 that licenses can express",
            param_hint="--now",
        )
    return parsed.astimezone(UTC)


EARLIEST_NOW = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_NOW = datetime(9000, 1, 1, tzinfo=UTC)


def now_option(func: F) -> F:
    """``--now RFC3339``, handed to the command as an aware datetime ``now``."""
    return click.option(
        "--now",
        "now",
        metavar="RFC3339",
        callback=lambda ctx, param, value: parse_now(value),
        help="Pin the clock (default: the current time).",
    )(func)


#: The verifier refuses more; beyond an hour leeway hides a broken clock.
MAX_LEEWAY_SECONDS = 3600


def leeway_option(func: F) -> F:
    """``--leeway SECONDS``: clock skew tolerated around iat, nbf and exp."""
    return click.option(
        "--leeway",
        type=click.IntRange(0, MAX_LEEWAY_SECONDS),
        default=0,
        show_default=True,
        metavar="SECONDS",
        help="Clock skew tolerated around iat, nbf and exp.",
    )(func)


def json_option(func: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON for machines."
    )(func)


def interactive() -> bool:
    """Whether a person can answer a question: only then do commands ask."""
    return sys.stdin.isatty()


def fail(message: str, code: int = 1) -> None:
    """One line on stderr and a non-zero exit: how every user error ends."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def user_errors(func: F) -> F:
    """Turn the toolkit's own errors into one line on stderr and exit code 1.

    Anything else is a bug and keeps its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from verifier import CatalogueError, KeyringError, LicenseError

        from ..errors import IssuerError, SetSyntaxError

        try:
            return func(*args, **kwargs)
        except SetSyntaxError as error:
            fail(str(error), code=2)
        except (IssuerError, LicenseError, KeyringError, CatalogueError) as error:
            fail(str(error))
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, as other tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except OSError as error:
            name = f" {error.filename}" if error.filename else ""
            fail(f"cannot access{name}: {error.strerror or error}")

    return wrapper  # type: ignore[return-value]
