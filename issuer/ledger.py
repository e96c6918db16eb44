"""The ledger: a SQLite record of every license issued (SPEC 9).

One row per license, keyed by its ``jti``, written in its own transaction
before the license file is written. A crash therefore never loses a record
already reported as issued, and never leaves half of one: SQLite either
commits the whole row or none of it.
"""

from __future__ import annotations

import contextlib
import csv
import getpass
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from .errors import LedgerError

LEDGER_ENV = "LICENSESMITH_LEDGER"
SCHEMA_VERSION = 1
MIN_PREFIX = 8

_SCHEMA = """
CREATE TABLE licenses (
    jti             TEXT PRIMARY KEY NOT NULL,
    account_type    TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    template_name   TEXT NOT NULL,
    template_sha256 TEXT NOT NULL,
    order_path      TEXT,
    order_sha256    TEXT,
    claims_json     TEXT NOT NULL,
    kid             TEXT NOT NULL,
    example_key     INTEGER NOT NULL CHECK (example_key IN (0, 1)),
    token_sha256    TEXT NOT NULL,
    token           TEXT NOT NULL,
    output_path     TEXT,
    issued_by       TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    nbf             INTEGER NOT NULL,
    license_expires INTEGER NOT NULL,
    exp             INTEGER NOT NULL
);
CREATE INDEX licenses_by_account ON licenses (account_id);
CREATE INDEX licenses_by_template ON licenses (template_name);
CREATE INDEX licenses_by_kid ON licenses (kid);
CREATE INDEX licenses_by_recorded_at ON licenses (recorded_at);
CREATE INDEX licenses_by_order ON licenses (order_sha256, template_sha256);
"""


def default_ledger_path(environ: Mapping[str, str] = os.environ) -> Path:
    """``$LICENSESMITH_LEDGER``, else ``ledger.sqlite3`` in the user data dir."""
    configured = environ.get(LEDGER_ENV)
    if configured:
        return Path(configured).expanduser()

    import platformdirs  # only needed when nothing was configured

    return platformdirs.user_data_path("licensesmith") / "ledger.sqlite3"


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        # No login name, no USER variable, no passwd entry (some containers).
        return "unknown"


@dataclass(frozen=True)
class LedgerEntry:
    """One issued license. Field names are the ledger's column names."""

    jti: str
    account_type: str
    account_id: str
    template_name: str
    template_sha256: str
    order_path: str | None
    order_sha256: str | None
    claims_json: str
    kid: str
    example_key: bool
    token_sha256: str
    token: str
    output_path: str | None
    recorded_at: datetime
    nbf: int
    license_expires: int
    exp: int
    issued_by: str = field(default_factory=_current_user)

    @property
    def claims(self) -> dict[str, Any]:
        return json.loads(self.claims_json)  # type: ignore[no-any-return]

    def to_json(self) -> dict[str, Any]:
        """For ``--json`` and exports: claims as an object, times as RFC 3339."""
        data = asdict(self)
        data["recorded_at"] = _utc_text(self.recorded_at)
        del data["claims_json"]
        data["claims"] = self.claims
        return data


_COLUMNS = [column.name for column in fields(LedgerEntry)]


def new_entry(
    *,
    claims: Mapping[str, Any],
    token: str,
    kid: str,
    example_key: bool,
    template_name: str,
    template_sha256: str,
    order_path: str | None,
    order_sha256: str | None,
    output_path: str | None,
    now: datetime,
) -> LedgerEntry:
    """The entry for a freshly signed token; the rest is read from its claims."""
    return LedgerEntry(
        jti=claims["jti"],
        account_type=claims["account_type"],
        account_id=claims["account_id"],
        template_name=template_name,
        template_sha256=template_sha256,
        order_path=order_path,
        order_sha256=order_sha256,
        claims_json=json.dumps(claims, sort_keys=True, separators=(",", ":")),
        kid=kid,
        example_key=example_key,
        token_sha256=hashlib.sha256(token.encode("ascii")).hexdigest(),
        token=token,
        output_path=output_path,
        recorded_at=now,
        nbf=claims["nbf"],
        license_expires=claims["license_expires"],
        exp=claims["exp"],
    )


# ``Ledger.list`` hides the builtin inside the class body, annotations included.
Entries = list[LedgerEntry]


#: As long as a writer waits for another's commit (sqlite3's timeout).
OPEN_TIMEOUT_SECONDS = 10


class Ledger:
    """The ledger file at ``path``, created with its schema on first use.

    ``create=False`` is for commands that only read: a mistyped path then
    says so instead of quietly creating an empty ledger.
    """

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise LedgerError(
                f"ledger {self.path} is a folder; give a file path with --ledger "
                f"or {LEDGER_ENV}"
            )
        if self.path.exists() and not self.path.is_file():
            raise LedgerError(
                f"ledger {self.path} is not a regular file; give a file path with "
                f"--ledger or {LEDGER_ENV}"
            )
        if not create and not self.path.exists():
            raise LedgerError(
                f"no ledger at {self.path}; nothing was issued with it yet. Set "
                f"--ledger or {LEDGER_ENV} to the ledger you mean"
            )
        self._db = self._connect()
        try:
            with self._sqlite_errors():
                self._open_when_free()
        except BaseException:
            self._db.close()
            raise

    def _open_when_free(self) -> None:
        """Configure and check the schema, waiting out another process's open.

        Switching a new file to WAL, or another process's switch, can answer
        "database is locked" at once, without SQLite's busy timeout: the same
        wait as for a busy commit is then applied here.
        """
        deadline = time.monotonic() + OPEN_TIMEOUT_SECONDS
        while True:
            try:
                self._configure()
                self._ensure_schema()
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------

    def record(self, entry: LedgerEntry) -> None:
        """Commit one license; when this returns, the record is on disk."""
        placeholders = ", ".join("?" for _ in _COLUMNS)
        insert = f"INSERT INTO licenses ({', '.join(_COLUMNS)}) VALUES ({placeholders})"
        row = _row_of(entry)

        with self._sqlite_errors(), self._transaction():
            taken = "SELECT 1 FROM licenses WHERE jti = ?"
            if self._db.execute(taken, [entry.jti]).fetchone():
                raise LedgerError(
                    f"license {entry.jti} is already in the ledger {self.path}; a "
                    "jti is never reused, so compile the order again for a new one"
                )
            self._db.execute(insert, row)

    # -- reading ---------------------------------------------------------------

    def get(self, id_or_prefix: str) -> LedgerEntry:
        """The license whose jti is ``id_or_prefix``, or begins with it."""
        exact = self._select("WHERE jti = ?", [id_or_prefix])
        if exact:
            return exact[0]
        if len(id_or_prefix) < MIN_PREFIX:
            raise LedgerError(
                f"{id_or_prefix!r} is too short to look up; give the full jti or at "
                f"least its first {MIN_PREFIX} characters"
            )

        matches = self._select(
            "WHERE substr(jti, 1, ?) = ?", [len(id_or_prefix), id_or_prefix]
        )
        if not matches:
            raise LedgerError(
                f"no license with jti {id_or_prefix!r}... in {self.path}; "
                "`licensesmith ledger list` shows what is recorded"
            )
        if len(matches) > 1:
            shown = ", ".join(entry.jti for entry in matches[:3])
            raise LedgerError(
                f"{id_or_prefix!r} matches {len(matches)} licenses ({shown}"
                f"{', ...' if len(matches) > 3 else ''}); give more characters"
            )
        return matches[0]

    def list(
        self,
        account: str | None = None,
        template: str | None = None,
        kid: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Entries:
        """Entries in the order recorded; ``since <= recorded_at < until``."""
        conditions: list[str] = []
        parameters: list[Any] = []
        for column, value in (
            ("account_id", account),
            ("template_name", template),
            ("kid", kid),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                parameters.append(value)
        # RFC 3339 in UTC at whole seconds sorts as text in time order.
        if since is not None:
            conditions.append("recorded_at >= ?")
            parameters.append(_utc_text(since))
        if until is not None:
            conditions.append("recorded_at < ?")
            parameters.append(_utc_text(until))

        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        return self._select(where, parameters)

    def find_by_order(self, order_sha256: str, template_sha256: str) -> Entries:
        """Licenses already issued from these exact order and template bytes."""
        return self._select(
            "WHERE order_sha256 = ? AND template_sha256 = ?",
            [order_sha256, template_sha256],
        )

    def export(self, format: Literal["csv", "json"], stream: TextIO) -> None:
        """Every entry, as CSV (one column per field) or a JSON array."""
        entries = self.list()
        if format == "json":
            json.dump([entry.to_json() for entry in entries], stream, indent=2)
            stream.write("\n")
        elif format == "csv":
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(_COLUMNS)
            for entry in entries:
                writer.writerow(_csv_row(entry))
        else:
            raise LedgerError(f"cannot export as {format!r}; choose csv or json")

    # -- SQLite ------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        _make_folder(self.path)
        _create_private(self.path)
        try:
            # Autocommit mode: transactions are begun and committed explicitly.
            return sqlite3.connect(self.path, isolation_level=None, timeout=10)
        except sqlite3.Error as error:
            raise _unusable(self.path, error) from None

    def _configure(self) -> None:
        # WAL: a commit appends to one log file and syncs it once, so one
        # transaction per license stays cheap; readers never block the writer.
        self._db.execute("PRAGMA journal_mode = WAL")
        # FULL: the log is synced at every commit. A record reported as issued
        # must survive a power cut; WAL's NORMAL could lose the last commits.
        self._db.execute("PRAGMA synchronous = FULL")

    def _ensure_schema(self) -> None:
        if self._schema_version() == SCHEMA_VERSION:
            return
        # Under the write lock, so that two processes opening a new ledger at
        # once cannot both create it, nor take the other's tables for foreign.
        with self._transaction():
            version = self._schema_version()
            if version == SCHEMA_VERSION:
                return
            if version > SCHEMA_VERSION:
                raise LedgerError(
                    f"{self.path} was written by a newer licensesmith (schema "
                    f"{version}, this one reads {SCHEMA_VERSION}); upgrade licensesmith"
                )
            tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if tables[0]:
                raise LedgerError(
                    f"{self.path} is an SQLite database but not a licensesmith "
                    f"ledger; point --ledger or {LEDGER_ENV} at another file"
                )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so a concurrent writer
        # waits (up to the timeout) instead of failing halfway.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextlib.contextmanager
    def _sqlite_errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.IntegrityError as error:
            # A NOT NULL or CHECK constraint: the caller built a bad entry.
            raise LedgerError(
                f"ledger {self.path} refused the entry: {error}"
            ) from None
        except sqlite3.OperationalError as error:
            # Locked, read-only, disk full: the file itself is fine.
            raise _unusable(self.path, error) from None
        except sqlite3.DatabaseError as error:
            raise LedgerError(
                f"{self.path} is not a readable licensesmith ledger ({error}); "
                f"move it aside or point --ledger or {LEDGER_ENV} at another file"
            ) from None
        except sqlite3.Error as error:
            raise LedgerError(f"ledger {self.path}: {error}") from None

    def _select(self, where: str, parameters: Sequence[Any]) -> Entries:
        query = f"SELECT {', '.join(_COLUMNS)} FROM licenses {where} "
        query += "ORDER BY recorded_at, rowid"
        with self._sqlite_errors():
            rows = self._db.execute(query, parameters).fetchall()
        return [_entry_of(row) for row in rows]


def _make_folder(path: Path) -> None:
    """The ledger's folder, created if missing, or one line saying why not."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in [folder, *folder.parents] if p.is_file()), folder)
        raise LedgerError(
            f"ledger {path}: {blocker} is a file where a folder is needed; give "
            f"another path with --ledger or {LEDGER_ENV}"
        ) from None
    except OSError as error:
        raise LedgerError(
            f"ledger {path}: cannot create the folder {folder} ({error.strerror}); "
            f"create it yourself or give another path with --ledger or {LEDGER_ENV}"
        ) from None


def _create_private(path: Path) -> None:
    """Create the file owner-only: it holds customer names and live tokens.

    SQLite gives its -wal and -shm files the same mode as the database.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as error:
        raise LedgerError(
            f"ledger {path}: cannot create it in {path.parent} ({error.strerror}); "
            f"give a writable location with --ledger or {LEDGER_ENV}"
        ) from None


def _unusable(path: Path, error: sqlite3.Error) -> LedgerError:
    """SQLite's terse reasons for not opening or writing, as one useful line."""
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith("SQLITE_READONLY"):
        return LedgerError(
            f"ledger {path} needs write access to the file and its folder "
            f"{path.parent} (SQLite keeps its -wal and -shm files there), which you "
            f"do not have; run as its owner or set --ledger or {LEDGER_ENV} to "
            "another file"
        )
    if name.startswith("SQLITE_CANTOPEN"):
        return LedgerError(
            f"ledger {path} cannot be opened: SQLite needs to read and write the "
            f"file and its folder {path.parent}; fix their permissions or set "
            f"--ledger or {LEDGER_ENV} to another file"
        )
    return LedgerError(f"ledger {path}: {error}")


def _row_of(entry: LedgerEntry) -> list[Any]:
    row = [getattr(entry, column) for column in _COLUMNS]
    row[_COLUMNS.index("recorded_at")] = _utc_text(entry.recorded_at)
    row[_COLUMNS.index("example_key")] = int(entry.example_key)
    return row


def _entry_of(row: tuple[Any, ...]) -> LedgerEntry:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["recorded_at"] = _parse_utc(values["recorded_at"])
    values["example_key"] = bool(values["example_key"])
    return LedgerEntry(**values)


def _csv_row(entry: LedgerEntry) -> list[Any]:
    row = _row_of(entry)
    row[_COLUMNS.index("example_key")] = "true" if entry.example_key else "false"
    return [_inert(cell) for cell in row]


def _inert(cell: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("ledger times must be aware datetimes (UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
