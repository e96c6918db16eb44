"""The issuer's errors: one base, each printable as one line for a person."""

from __future__ import annotations

from dataclasses import dataclass


class IssuerError(Exception):
    """Base of every error the issuer reports to a user."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, located as precisely as known."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
            if self.column is not None:
                where += f" column {self.column}"
        return f"{where}: {self.message}"


class CompileError(IssuerError):
    """A template or order cannot be compiled; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class SetSyntaxError(CompileError):
    """A ``--set`` is not ``name=value``: the command was used wrongly (exit 2)."""


class KeyFileError(IssuerError):
    """A private or public key file cannot be used."""


class LedgerError(IssuerError):
    """The ledger cannot be read or written."""


class OutputExists(IssuerError):
    """Refusing to overwrite a file without --force."""


class DowngradeRefused(IssuerError):
    """A new license would leave the customer worse off, and nobody accepted it."""
