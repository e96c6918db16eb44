"""``batch``: all-or-nothing checking, progress, ledger, crash safety."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from issuer.cli import main
from issuer.ledger import Ledger
from tests.conftest import EXAMPLE_KEY, ROOT

NOW = "2026-12-03T17:00:00Z"

ORDER = """\
template: {templates}/premium.yaml
account_id: acct-{n:04d}
seats: {seats}
agents_soft: 100
agents_hard: 200
"""


def _orders(folder: Path, count: int) -> Path:
    folder.mkdir()
    for n in range(count):
        text = ORDER.format(templates=ROOT / "templates", n=n, seats=10 + n)
        (folder / f"order-{n:04d}.yaml").write_text(text)
    return folder


def _batch(orders: Path, out: Path, ledger: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        main,
        [
            "batch",
            str(orders),
            "--key",
            str(EXAMPLE_KEY),
            "--out",
            str(out),
            "--ledger",
            str(ledger),
            "--now",
            NOW,
            "--yes",
            *extra,
        ],
    )


def _batch_process(orders: Path, out: Path, ledger: Path) -> subprocess.Popen[str]:
    """The batch in a process of its own, so that a test can interrupt it."""
    return subprocess.Popen(
        [
            sys.executable, "-c", "from issuer.cli import main; main()",
            "batch", str(orders), "--key", str(EXAMPLE_KEY), "--out", str(out),
            "--ledger", str(ledger), "--now", NOW, "--yes",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, text=True,
    )  # fmt: skip


def _wait_for_licenses(process: subprocess.Popen[str], out: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if out.is_dir() and len(list(out.glob("*.jwt"))) >= count:
            return
        time.sleep(0.01)


def test_batch_issues_every_order_and_records_each(tmp_path: Path) -> None:
    orders = _orders(tmp_path / "orders", 5)
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite3"

    result = _batch(orders, out, ledger)

    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.jwt"))
    assert len(files) == 5
    assert files[0].name.startswith("acct-0000-2026-12-03-")
    assert "5 issued" in result.output
    recorded = {entry.account_id for entry in Ledger(ledger).list()}
    assert recorded == {f"acct-{n:04d}" for n in range(5)}


def test_batch_with_problems_lists_all_and_signs_nothing(tmp_path: Path) -> None:
    orders = _orders(tmp_path / "orders", 3)
    (orders / "order-0001.yaml").write_text(
        ORDER.format(templates=ROOT / "templates", n=1, seats=5)
        + "features:\n  managed_agents_limit: {soft: 1, hard: 2}\n"
    )
    (orders / "order-0002.yaml").write_text(
        ORDER.format(templates=ROOT / "templates", n=2, seats=5).replace(
            "agents_hard: 200", "agents_hard: 50"
        )
    )
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite3"

    result = _batch(orders, out, ledger)

    assert result.exit_code == 1
    assert "order-0001.yaml line 7" in result.output
    assert "managed_agent_limit" in result.output
    assert "order-0002.yaml" in result.output and "below" in result.output
    assert not out.exists() or not list(out.iterdir())
    assert not ledger.exists()


def test_batch_dry_run_plans_without_signing(tmp_path: Path) -> None:
    orders = _orders(tmp_path / "orders", 2)
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite3"

    result = _batch(orders, out, ledger, "--dry-run", "--json")

    assert result.exit_code == 0, result.output
    planned = json.loads(result.stdout)
    assert [row["account_id"] for row in planned] == ["acct-0000", "acct-0001"]
    assert {row["status"] for row in planned} == {"pending"}
    assert not ledger.exists()


def test_batch_rerun_does_not_issue_duplicates(tmp_path: Path) -> None:
    orders = _orders(tmp_path / "orders", 3)
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite3"
    assert _batch(orders, out, ledger).exit_code == 0

    again = _batch(orders, out, ledger, "--json")

    assert again.exit_code == 0, again.output
    assert {row["status"] for row in json.loads(again.stdout)} == {"already issued"}
    assert len(Ledger(ledger).list()) == 3
    assert len(list(out.glob("*.jwt"))) == 3


def test_batch_killed_midway_leaves_ledger_matching_files(tmp_path: Path) -> None:
    count = 150
    orders = _orders(tmp_path / "orders", count)
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite3"
    process = _batch_process(orders, out, ledger)
    _wait_for_licenses(process, out, 10)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    written = sorted(out.glob("*.jwt"))
    assert 10 <= len(written) < count, "the batch must be killed partway"
    entries = {entry.token_sha256: entry for entry in Ledger(ledger).list()}
    for path in written:
        token = path.read_text().strip()
        digest = hashlib.sha256(token.encode()).hexdigest()
        assert digest in entries, f"{path.name} has no ledger record"
        assert entries[digest].token == token
        assert json.loads(entries[digest].claims_json)["jti"] == entries[digest].jti
    # A write cut short leaves at most a hidden temporary, never a partial .jwt.
    others = [path.name for path in out.iterdir() if path.suffix != ".jwt"]
    assert all(name.startswith(".") and name.endswith(".tmp") for name in others)

    rerun = _batch(orders, out, ledger, "--json")

    assert rerun.exit_code == 0, rerun.output
    statuses = [row["status"] for row in json.loads(rerun.stdout)]
    assert statuses.count("issued") == count - len(entries)
    assert statuses.count("already issued") + statuses.count("rewritten") == len(
        entries
    )
    assert len(Ledger(ledger).list()) == count
    assert len(list(out.glob("*.jwt"))) == count


def test_two_batches_on_one_ledger_never_issue_an_order_twice(tmp_path: Path) -> None:
    count = 40
    orders = _orders(tmp_path / "orders", count)
    ledger = tmp_path / "ledger.sqlite3"
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from issuer.cli import main; main()",
                "batch",
                str(orders),
                "--key",
                str(EXAMPLE_KEY),
                "--out",
                str(tmp_path / f"out-{n}"),
                "--ledger",
                str(ledger),
                "--now",
                NOW,
                "--yes",
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for n in (1, 2)
    ]
    results = [run.communicate(timeout=120) for run in runs]
    outputs = [stdout for stdout, _ in results]

    assert [run.returncode for run in runs] == [0, 0], [err for _, err in results]
    statuses = [row["status"] for out in outputs for row in json.loads(out)]
    assert statuses.count("issued") == count
    assert statuses.count("already issued") == count
    jtis = [entry.jti for entry in Ledger(ledger).list()]
    assert len(jtis) == len(set(jtis)) == count
    files = list((tmp_path / "out-1").glob("*.jwt")) + list(
        (tmp_path / "out-2").glob("*.jwt")
    )
    assert len(files) == count


def test_batch_of_an_empty_list_is_refused(tmp_path: Path) -> None:
    orders = tmp_path / "orders.yaml"
    orders.write_text("[]\n")
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite3"

    result = _batch(orders, out, ledger)

    assert result.exit_code == 1
    assert "no orders to issue" in result.output
    assert not ledger.exists()


def test_interrupted_batch_says_how_many_were_issued(tmp_path: Path) -> None:
    count = 150
    orders = _orders(tmp_path / "orders", count)
    out, ledger = tmp_path / "out", tmp_path / "ledger.sqlite3"
    process = _batch_process(orders, out, ledger)
    _wait_for_licenses(process, out, 5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 1
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: interrupted after ")
    issued = int(last.split("after ")[1].split(" of")[0])
    assert f"of {count} licenses were issued; run the same batch again" in last
    # The signal may land between a license's record and its file.
    assert issued <= len(Ledger(ledger).list()) <= issued + 1
    assert "Traceback" not in stderr
