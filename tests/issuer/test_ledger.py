"""issuer.ledger: one durable record per license, and the queries on it."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from issuer import ledger as ledger_module
from issuer.errors import LedgerError
from issuer.ledger import Ledger, LedgerEntry, default_ledger_path, new_entry

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def ledger_env(tmp_path, monkeypatch):
    """Nothing here may touch the real per-user ledger."""
    monkeypatch.setenv("LICENSESMITH_LEDGER", str(tmp_path / "env-ledger.sqlite3"))


@pytest.fixture
def book(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite3") as opened:
        yield opened


def make_entry(
    jti: str,
    *,
    account: str = "0015000000ACME",
    template: str = "premium",
    kid: str = "prod-2027",
    example: bool = False,
    order_sha256: str | None = "b" * 64,
    now: datetime = NOW,
) -> LedgerEntry:
    claims = {
        "jti": jti,
        "account_type": "salesforce",
        "account_id": account,
        "iat": 1803902400,
        "nbf": 1803902400,
        "license_expires": 1835438400,
        "exp": 1838030400,
        "version": 3,
        "trial": False,
        "feature_set": "premium",
        "features": {"user_limit": 150},
    }
    return new_entry(
        claims=claims,
        token=f"header.{jti}.signature",
        kid=kid,
        example_key=example,
        template_name=template,
        template_sha256="a" * 64,
        order_path="orders/acme.yaml" if order_sha256 else None,
        order_sha256=order_sha256,
        output_path=f"out/{jti}.jwt",
        now=now,
    )


# -- where the ledger lives ---------------------------------------------------------


def test_default_path_from_the_environment():
    environ = {"LICENSESMITH_LEDGER": "/srv/licensing/ledger.db"}

    assert default_ledger_path(environ) == Path("/srv/licensing/ledger.db")


def test_default_path_in_the_user_data_directory(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.setattr(
        platformdirs, "user_data_path", lambda app: tmp_path / "data" / app
    )

    assert default_ledger_path({}) == (
        tmp_path / "data" / "licensesmith" / "ledger.sqlite3"
    )


def test_creates_parent_directories_and_an_owner_only_file(tmp_path):
    path = tmp_path / "a" / "b" / "ledger.sqlite3"

    Ledger(path).close()

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_durability_settings(tmp_path, book):
    assert book._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    other = sqlite3.connect(book.path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("PRAGMA user_version").fetchone()[0] == 1
    finally:
        other.close()


def test_missing_ledger_is_not_created_for_reading(tmp_path):
    path = tmp_path / "absent.sqlite3"

    with pytest.raises(LedgerError, match="no ledger at .*absent.sqlite3"):
        Ledger(path, create=False)

    assert not path.exists()


def test_a_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"this is not a database, just some text " * 100)

    with pytest.raises(LedgerError) as caught:
        Ledger(path)

    assert str(path) in str(caught.value)
    assert "is not a readable licensesmith ledger" in str(caught.value)


def test_another_sqlite_database(tmp_path):
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE photos (id INTEGER)")

    with pytest.raises(LedgerError, match="not a licensesmith ledger"):
        Ledger(path)


def test_a_ledger_from_a_newer_version(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    Ledger(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")

    with pytest.raises(LedgerError, match="schema 99, this one reads 1"):
        Ledger(path)


@pytest.mark.parametrize("create", [True, False])
def test_a_folder_given_as_the_ledger(tmp_path, create):
    with pytest.raises(LedgerError) as caught:
        Ledger(tmp_path, create=create)

    assert str(caught.value) == (
        f"ledger {tmp_path} is a folder; give a file path with --ledger or "
        "LICENSESMITH_LEDGER"
    )


@pytest.mark.parametrize("below", ["ledger.sqlite3", "sub/ledger.sqlite3"])
def test_a_file_where_the_ledger_folder_should_be(tmp_path, below):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    path = blocker / below

    with pytest.raises(LedgerError) as caught:
        Ledger(path)

    assert str(caught.value) == (
        f"ledger {path}: {blocker} is a file where a folder is needed; give another "
        "path with --ledger or LICENSESMITH_LEDGER"
    )


def test_a_folder_that_cannot_be_created(tmp_path, monkeypatch):
    path = tmp_path / "locked" / "ledger.sqlite3"

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)

    with pytest.raises(LedgerError) as caught:
        Ledger(path)

    assert str(caught.value) == (
        f"ledger {path}: cannot create the folder {path.parent} (Permission "
        "denied); create it yourself or give another path with --ledger or "
        "LICENSESMITH_LEDGER"
    )


def test_a_folder_where_the_ledger_cannot_be_created(tmp_path, monkeypatch):
    path = tmp_path / "ledger.sqlite3"
    real_open = os.open

    def refuse(target, *args, **kwargs):
        if Path(target) == path:
            raise PermissionError(13, "Permission denied", str(target))
        return real_open(target, *args, **kwargs)

    monkeypatch.setattr(ledger_module.os, "open", refuse)

    with pytest.raises(LedgerError) as caught:
        Ledger(path)

    assert str(caught.value) == (
        f"ledger {path}: cannot create it in {tmp_path} (Permission denied); give "
        "a writable location with --ledger or LICENSESMITH_LEDGER"
    )


def test_a_ledger_that_cannot_be_written(tmp_path, monkeypatch):
    path = tmp_path / "ledger.sqlite3"
    Ledger(path).close()
    configure = Ledger._configure

    def read_only(self):
        configure(self)
        self._db.execute("PRAGMA query_only = ON")  # SQLite's own read-only error

    monkeypatch.setattr(Ledger, "_configure", read_only)

    with Ledger(path) as book, pytest.raises(LedgerError) as caught:
        book.record(make_entry("3f2a9c1e-0000-4000-8000-000000000001"))

    assert str(caught.value) == (
        f"ledger {path} needs write access to the file and its folder {tmp_path} "
        "(SQLite keeps its -wal and -shm files there), which you do not have; run "
        "as its owner or set --ledger or LICENSESMITH_LEDGER to another file"
    )


def test_a_ledger_sqlite_cannot_open(tmp_path, monkeypatch):
    path = tmp_path / "gone" / "ledger.sqlite3"
    # As if the folder vanished between its check and SQLite's open.
    monkeypatch.setattr(ledger_module, "_make_folder", lambda path: None)
    monkeypatch.setattr(ledger_module, "_create_private", lambda path: None)

    with pytest.raises(LedgerError) as caught:
        Ledger(path)

    message = str(caught.value)
    assert message.startswith(f"ledger {path} cannot be opened: SQLite needs")
    assert message.endswith("set --ledger or LICENSESMITH_LEDGER to another file")
    assert "unable to open database file" not in message


# -- record and get ---------------------------------------------------------------


def test_record_then_get_after_reopening(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    entry = make_entry("11111111-aaaa-4000-8000-000000000001")
    with Ledger(path) as book:
        book.record(entry)

    with Ledger(path) as reopened:
        found = reopened.get(entry.jti)

    assert found == entry
    assert found.recorded_at == NOW
    assert found.claims["features"] == {"user_limit": 150}


def test_new_entry_derives_hashes_and_dates():
    entry = make_entry("11111111-aaaa-4000-8000-000000000001")

    token = "header.11111111-aaaa-4000-8000-000000000001.signature"
    assert entry.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert (entry.nbf, entry.license_expires, entry.exp) == (
        1803902400,
        1835438400,
        1838030400,
    )
    assert entry.account_type == "salesforce"
    assert entry.issued_by


def test_issued_by_falls_back_when_there_is_no_user_name(monkeypatch):
    def no_user():
        raise OSError("no login name")

    monkeypatch.setattr(ledger_module.getpass, "getuser", no_user)

    assert make_entry("x" * 36).issued_by == "unknown"


def test_a_jti_is_recorded_once(book):
    entry = make_entry("11111111-aaaa-4000-8000-000000000001")
    book.record(entry)

    with pytest.raises(LedgerError, match="is already in the ledger"):
        book.record(entry)

    assert len(book.list()) == 1


def test_an_incomplete_entry_is_refused_whole(book):
    entry = make_entry("11111111-aaaa-4000-8000-000000000001")
    broken = LedgerEntry(**{**entry.__dict__, "account_type": None})

    with pytest.raises(LedgerError, match="refused the entry"):
        book.record(broken)

    assert book.list() == []


def test_get_by_unique_prefix(book):
    book.record(make_entry("11111111-aaaa-4000-8000-000000000001"))
    book.record(make_entry("22222222-aaaa-4000-8000-000000000002"))

    assert book.get("22222222").jti == "22222222-aaaa-4000-8000-000000000002"


def test_get_ambiguous_prefix(book):
    book.record(make_entry("11111111-aaaa-4000-8000-000000000001"))
    book.record(make_entry("11111111-bbbb-4000-8000-000000000002"))

    with pytest.raises(LedgerError, match="'11111111' matches 2 licenses"):
        book.get("11111111")


def test_get_prefix_too_short(book):
    book.record(make_entry("11111111-aaaa-4000-8000-000000000001"))

    with pytest.raises(LedgerError, match="at least its first 8 characters"):
        book.get("1111111")


def test_get_missing(book):
    with pytest.raises(LedgerError, match="no license with jti '99999999'"):
        book.get("99999999")


# -- list and find ---------------------------------------------------------------


@pytest.fixture
def filled(book):
    book.record(make_entry("a0000000-0000-4000-8000-000000000001", now=NOW))
    book.record(
        make_entry(
            "b0000000-0000-4000-8000-000000000002",
            account="0015000000GLOBEX",
            template="enterprise",
            now=NOW + timedelta(days=1),
        )
    )
    book.record(
        make_entry(
            "c0000000-0000-4000-8000-000000000003",
            kid="example",
            example=True,
            order_sha256="c" * 64,
            now=NOW + timedelta(days=2),
        )
    )
    return book


def jtis(entries) -> list[str]:
    return [entry.jti[0] for entry in entries]


def test_list_everything_in_the_order_recorded(filled):
    assert jtis(filled.list()) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"account": "0015000000ACME"}, ["a", "c"]),
        ({"template": "enterprise"}, ["b"]),
        ({"kid": "example"}, ["c"]),
        ({"since": NOW + timedelta(days=1)}, ["b", "c"]),
        ({"until": NOW + timedelta(days=1)}, ["a"]),
        ({"since": NOW, "until": NOW + timedelta(seconds=1)}, ["a"]),
        ({"account": "0015000000ACME", "kid": "prod-2027"}, ["a"]),
        ({"account": "nobody"}, []),
    ],
)
def test_list_filters(filled, filters, expected):
    assert jtis(filled.list(**filters)) == expected


def test_list_compares_times_in_utc(filled):
    in_tokyo = (NOW + timedelta(days=1)).astimezone(timezone(timedelta(hours=9)))

    assert jtis(filled.list(since=in_tokyo)) == ["b", "c"]


def test_example_key_is_kept(filled):
    assert [entry.example_key for entry in filled.list()] == [False, False, True]


def test_find_by_order(filled):
    assert jtis(filled.find_by_order("b" * 64, "a" * 64)) == ["a", "b"]
    assert jtis(filled.find_by_order("c" * 64, "a" * 64)) == ["c"]
    assert filled.find_by_order("c" * 64, "f" * 64) == []


# -- export --------------------------------------------------------------------


def test_export_csv(filled):
    stream = io.StringIO()

    filled.export("csv", stream)

    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert [row["jti"][0] for row in rows] == ["a", "b", "c"]
    assert rows[2]["example_key"] == "true"
    assert rows[0]["recorded_at"] == "2027-03-01T12:00:00Z"
    assert json.loads(rows[0]["claims_json"])["account_id"] == "0015000000ACME"
    assert list(rows[0]) == [
        "jti",
        "account_type",
        "account_id",
        "template_name",
        "template_sha256",
        "order_path",
        "order_sha256",
        "claims_json",
        "kid",
        "example_key",
        "token_sha256",
        "token",
        "output_path",
        "recorded_at",
        "nbf",
        "license_expires",
        "exp",
        "issued_by",
    ]


def test_export_json(filled):
    stream = io.StringIO()

    filled.export("json", stream)

    exported = json.loads(stream.getvalue())
    assert [item["jti"][0] for item in exported] == ["a", "b", "c"]
    assert exported[2]["example_key"] is True
    assert exported[0]["claims"]["features"] == {"user_limit": 150}
    assert "claims_json" not in exported[0]
    assert exported[1]["recorded_at"] == "2027-03-02T12:00:00Z"


# -- crash safety -----------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta

    from issuer.ledger import Ledger, new_entry

    book = Ledger(sys.argv[1])
    start = datetime(2027, 3, 1, tzinfo=UTC)
    for number in range(100_000):
        jti = f"{number:08d}-0000-4000-8000-000000000000"
        claims = {"jti": jti, "account_type": "salesforce",
                  "account_id": f"acct-{number}", "nbf": 1, "license_expires": 2,
                  "exp": 3, "features": {"user_limit": number}}
        book.record(new_entry(
            claims=claims, token="t." + "x" * 2000 + f".{number}", kid="k1",
            example_key=False, template_name="premium", template_sha256="a" * 64,
            order_path=None, order_sha256=None, output_path=None,
            now=start + timedelta(seconds=number)))
        print(jti, flush=True)
    """
)


def test_sigkill_mid_batch_leaves_every_reported_record_whole(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    reported = []
    try:
        # The first line can be slow on a loaded machine (interpreter start);
        # the deadline counts from there.
        first = child.stdout.readline()
        reported += [first.strip()] if first else []
        deadline = time.monotonic() + 2.0
        while first and len(reported) < 30 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            reported.append(line.strip())
    finally:
        child.send_signal(signal.SIGKILL)
        rest, errors = child.communicate(timeout=5)
    reported += rest.split()

    assert child.returncode == -signal.SIGKILL, errors
    assert len(reported) >= 5, errors
    with Ledger(path) as book:
        entries = book.list()
        integrity = book._db.execute("PRAGMA integrity_check").fetchone()[0]

    assert integrity == "ok"
    recorded = [entry.jti for entry in entries]
    # Everything reported was committed; at most one more committed unreported.
    assert recorded[: len(reported)] == reported
    assert len(recorded) - len(reported) in (0, 1)
    for entry in entries:
        assert entry.token_sha256 == hashlib.sha256(entry.token.encode()).hexdigest()
        assert entry.claims["jti"] == entry.jti
        assert entry.claims["features"]["user_limit"] == int(entry.jti[:8])


def test_csv_export_keeps_formulas_inert(tmp_path):
    entry = make_entry("11111111-aaaa-4000-8000-0000000000f1")
    entry = dataclasses.replace(entry, account_id='=HYPERLINK("http://x","y")')
    with Ledger(tmp_path / "ledger.sqlite3") as book:
        book.record(entry)
        stream = io.StringIO()
        book.export("csv", stream)

    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    column = rows[0].index("account_id")
    assert rows[1][column] == '\'=HYPERLINK("http://x","y")'


def test_processes_opening_a_new_ledger_at_once_all_succeed(tmp_path):
    # Two batches started together once raced to create the schema.
    code = "import sys; from issuer.ledger import Ledger; Ledger(sys.argv[1]).list()"
    for trial in range(3):
        path = tmp_path / f"ledger-{trial}.sqlite3"
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", code, str(path)],
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(6)
        ]
        errors = [process.communicate(timeout=60)[1] for process in processes]

        assert [process.returncode for process in processes] == [0] * 6, errors
