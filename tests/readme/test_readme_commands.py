"""Every command line the README shows works as written.

The README's indented lines that start with `.venv/bin/` are run, in order, by bash, in a temporary
directory (so `var/ledger.db`, `var/api-keys.toml` and `var/pii.key` are made there, never in the worktree)
that holds a `.venv` and an `examples` link to this checkout's, after `ledger demo` made the store. Each
must exit 0 and print what it is for; the two that run until stopped (`serve`, the projection worker)
are stopped once they have shown they work.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMENT = re.compile(r"\s{2,}#\s.*$")
DEMO_SCALE = "0.02"  # the demo's store, smaller than `make demo`'s (the lines are what is tested)


def readme_lines() -> list[str]:
    lines = [line.strip() for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()]
    return [COMMENT.sub("", line) for line in lines if line.startswith(".venv/bin/")]


# What each line must print (stdout and stderr together), by its start.
EXPECTED = {
    ".venv/bin/ledger replay P-2.3 2018 --as-of": "patient P-2.3, benefit year 2018",
    ".venv/bin/ledger replay P-2.3 2018": "P-2.3-B#1  inpatient at 安徽省立医院 (province)",
    ".venv/bin/ledger verify P-2.3 2018": "P-2.3/2018: 2 settlements, verified to the fen",
    ".venv/bin/ledger verify": "every settlement identical to the fen",
    ".venv/bin/ledger import examples/commands.jsonl": "imported examples/commands.jsonl: 11 commands (10 appended, 1 already recorded",
    ".venv/bin/ledger rebuild all": "rebuilt ",
    ".venv/bin/ledger export-eob": '"resourceType": "ExplanationOfBenefit"',
    ".venv/bin/ledger keys add ncms-pay": "added client ncms-pay (payment_service)",
    ".venv/bin/ledger publish-policy examples/langxi-2018.2.toml": "published 341821/langxi-2018.2 (new)",
    ".venv/bin/ledger recalculate 341821 langxi-2018.2": "patient-years; ",
    ".venv/bin/ledger catalogue publish examples/catalogue-langxi-2019.1.toml": "published catalogue 341821/langxi-catalogue-2019.1",
    ".venv/bin/ledger recalculate --pending": "pending: ",
    ".venv/bin/python -m generator --scale 0.1": "person-times",
}
LONG_RUNNING = (".venv/bin/ledger serve", ".venv/bin/python -m projections run")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("readme")
    (here / ".venv").symlink_to(Path(sys.prefix))
    (here / "examples").symlink_to(ROOT / "examples")
    demo = _run(here, f".venv/bin/ledger demo --scale {DEMO_SCALE}")
    assert demo.returncode == 0, demo.stderr
    return here


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_") or k == "LEDGER_PII_KEY"}
    return {**env, **extra}


def _run(cwd: Path, line: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


def test_the_readme_shows_the_command_lines_this_test_knows() -> None:
    lines = readme_lines()
    assert len(lines) >= 13
    for line in lines:
        known = [start for start in (*EXPECTED, *LONG_RUNNING) if line.startswith(start)]
        assert known, f"a README line this test does not check yet: {line}"


@pytest.mark.parametrize("line", [line for line in readme_lines() if not line.startswith(LONG_RUNNING)])
def test_a_readme_line_exits_0_and_says_what_it_did(workdir: Path, line: str) -> None:
    result = _run(workdir, line)
    assert result.returncode == 0, (line, result.stdout[-2000:], result.stderr[-2000:])
    expected = next(text for start, text in EXPECTED.items() if line.startswith(start))
    assert expected in result.stdout + result.stderr, (line, result.stdout[-2000:], result.stderr[-2000:])
    assert (workdir / "var" / "ledger.db").exists() and not (ROOT / "var" / "ledger.db.readme-check").exists()


def test_ledger_serve_answers_and_stops_cleanly(workdir: Path) -> None:
    line = next(line for line in readme_lines() if line.startswith(".venv/bin/ledger serve"))
    port = _free_port()
    server = subprocess.Popen(
        ["bash", "-c", "exec " + line],
        cwd=workdir,
        env=_env(LEDGER_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, body = time.monotonic() + 60, ""
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert '"ok":true' in body, body
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0, output
    assert "created var/api-keys.toml with one admin client" in output or "Uvicorn running" in output, output


def test_the_projection_worker_follows_the_log_and_stops_on_sigterm(workdir: Path) -> None:
    line = next(line for line in readme_lines() if line.startswith(".venv/bin/python -m projections run"))
    worker = subprocess.Popen(
        ["bash", "-c", "exec " + line],
        cwd=workdir,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def positions() -> tuple[list[int], list[int]]:
        status = _run(workdir, ".venv/bin/python -m projections status")
        found = [int(n) for n in re.findall(r"\bposition (\d+)", status.stdout)]
        return found, [int(n) for n in re.findall(r"\blag (\d+)", status.stdout)]

    try:
        start, _ = positions()
        deadline, moved = time.monotonic() + 120, False
        while time.monotonic() < deadline and worker.poll() is None and not moved:
            time.sleep(1)
            now, lags = positions()
            moved = bool(now) and (max(lags) == 0 or min(now) > min(start or [0]))
        assert moved, (start, positions())  # the worker follows the log (caught up, or catching up)
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0]
    assert worker.returncode == 0, output
