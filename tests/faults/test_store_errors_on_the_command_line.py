"""A store that cannot be reached or cannot write gives one clear line and exit status 2, and changes nothing.

Connection refused: LEDGER_DATABASE_URL names a closed port. Disk full: the command runs under a
file-size limit (RLIMIT_FSIZE, what `ulimit -f` sets) too small for its transaction; SQLite then
fails the write and rolls back, and a later retry with the same command id publishes once.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from tests.application.scenario import poor_patient, publish_default
from tests.pg_cluster import free_port

from domain.policy.loader import load_default_policy
from service.ledger import BenefitLedger
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
LEDGER = [sys.executable, "-c", "import sys; from cli.main import main; sys.exit(main())"]
CLEAR_WITHIN_S = 15  # no waiting out a connection pool's 30 s timeout


def _run(
    argv: list[str], url: str, cwd: Path, limit_bytes: int | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEDGER_DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src")}
    env.pop("LEDGER_TRACEBACK", None)

    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    try:
        return subprocess.run(
            argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, preexec_fn=limit
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(argv[-3:])}: no answer within {timeout} s")


def _one_clear_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


@pytest.mark.parametrize("query", ["", "?schema=ledger"], ids=["public-schema", "named-schema"])
def test_a_closed_port_is_one_line_and_exit_2_from_ledger(tmp_path: Path, query: str) -> None:
    port = free_port()
    done = _run(
        [*LEDGER, "year", "P-1", "2018"],
        f"postgresql://postgres@127.0.0.1:{port}/postgres{query}",
        tmp_path,
        timeout=CLEAR_WITHIN_S,
    )
    assert done.returncode == 2, done.stderr
    line = _one_clear_line(done)
    assert line.startswith("ledger: ") and str(port) in line and "refused" in line.lower()


@pytest.mark.parametrize("query", ["", "?schema=ledger"], ids=["public-schema", "named-schema"])
def test_a_closed_port_is_one_line_from_the_projection_worker(tmp_path: Path, query: str) -> None:
    port = free_port()
    done = _run(
        [sys.executable, "-m", "projections", "run", "--until-head"],
        f"postgresql://postgres@127.0.0.1:{port}/postgres{query}",
        tmp_path,
        timeout=CLEAR_WITHIN_S,
    )
    assert done.returncode != 0
    line = _one_clear_line(done)
    assert line.startswith("python -m projections: ") and "refused" in line.lower()


def test_disk_full_on_sqlite_is_one_line_exit_2_and_nothing_half_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    publish_default(ledger)
    poor_patient(ledger, "P1")
    head = ledger.recorder.max_notification_id()
    ledger.close()
    with sqlite3.connect(tmp_path / "ledger.db") as db:  # everything into the main file; the WAL starts empty
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    document = load_default_policy()
    big = (ROOT / "src/domain/policy/langxi_default.toml").read_text(encoding="utf-8")
    big = big.replace(f'version = "{document.version}"', 'version = "langxi-2018.9-big"', 1)
    notes = "".join(f'n{i} = "{"x" * 1_900}"\n' for i in range(32))  # each text within the 2,000 a parameter may hold
    big += f"\n[notes]\n{notes}"  # a 60 KB event: more than the limit allows
    (tmp_path / "big.toml").write_text(big, encoding="utf-8")
    publish = [*LEDGER, "publish-policy", str(tmp_path / "big.toml"), "--command-id", "publish-big"]

    refused = _run(publish, url, tmp_path, limit_bytes=32_768)  # the WAL index alone takes 32 KB

    assert refused.returncode == 2, refused.stderr
    line = _one_clear_line(refused)
    assert line.startswith("ledger: ") and "disk" in line.lower()
    with sqlite3.connect(tmp_path / "ledger.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    assert ledger.recorder.max_notification_id() == head  # not one event of the command
    assert [e["version"] for e in ledger.policy_register(document.region)] == [document.version]
    ledger.close()

    again = _run(publish, url, tmp_path)  # same command id, room to write: published once, now
    assert again.returncode == 0, again.stderr
    assert "langxi-2018.9-big" in again.stdout and "new" in again.stdout
