"""The installed `ledger` console script as a real process: help, a refused store, serve, the progress bar."""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.cli.cli_support import DEFAULT_POLICY_FILE, worked_example_commands, write_jsonl

LEDGER = str(Path(sys.executable).parent / "ledger")
HEAVY = ("eventsourcing", "fastapi", "uvicorn", "psycopg", "service", "projections", "api", "generator", "interop")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(LEDGER_DATABASE_URL=f"sqlite:///{tmp_path}/ledger.db", LEDGER_API_KEYS_FILE=str(tmp_path / "keys.toml"))
    env.update(extra)
    return env


def test_help_lists_every_command_and_imports_nothing_heavy(tmp_path: Path) -> None:
    result = subprocess.run(
        [LEDGER, "--help"], check=False, capture_output=True, text=True, env=_env(tmp_path), timeout=60
    )
    assert result.returncode == 0, result.stderr
    for command in (
        "serve",
        "demo",
        "replay",
        "year",
        "verify",
        "import",
        "rebuild",
        "export-eob",
        "publish-policy",
        "policies",
        "recalculate",
        "keys",
    ):
        assert f" {command} " in result.stdout, command
    probe = (
        "import sys; from cli.main import app; import typer; typer.main.get_command(app); "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True, text=True, timeout=60)
    assert loaded.returncode == 0 and loaded.stdout.strip() == "[]", (loaded.stdout, loaded.stderr)


def test_a_refused_connection_is_one_line_from_the_real_process(tmp_path: Path) -> None:
    env = _env(tmp_path, LEDGER_DATABASE_URL="postgresql://postgres@127.0.0.1:1/postgres")
    result = subprocess.run(
        [LEDGER, "replay", "P-2.3", "2018"], check=False, capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 2
    assert (
        result.stderr.startswith("ledger: cannot connect to PostgreSQL at 127.0.0.1:1")
        and result.stderr.count("\n") == 1
    ), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_health_on_the_given_store(tmp_path: Path) -> None:
    port = _free_port()
    store = tmp_path / "served.db"
    process = subprocess.Popen(
        [LEDGER, "--database-url", f"sqlite:///{store}", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    try:
        body, deadline = None, time.monotonic() + 60
        while body is None and time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    body = json.loads(response.read())
            except OSError:
                time.sleep(0.2)
        assert body == {"store": "sqlite", "ok": True}, process.poll()
        assert store.exists()
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert "created" in err and "one admin client" in err  # the keys file was bootstrapped, token shown once


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_serve_with_two_workers_answers_from_worker_processes(tmp_path: Path) -> None:
    port = _free_port()
    store = tmp_path / "served.db"
    process = subprocess.Popen(
        [LEDGER, "--database-url", f"sqlite:///{store}", "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    try:
        body, deadline = None, time.monotonic() + 90
        while body is None and time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    body = json.loads(response.read())
            except OSError:
                time.sleep(0.2)
        assert body == {"store": "sqlite", "ok": True}, process.poll()
        assert len(_children(process.pid)) >= 2  # uvicorn's two worker processes
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_import_shows_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    env = _env(tmp_path, TERM="xterm-256color", COLUMNS="100")
    published = subprocess.run(
        [LEDGER, "publish-policy", str(DEFAULT_POLICY_FILE)], check=False, env=env, capture_output=True, timeout=60
    )
    assert published.returncode == 0
    file = write_jsonl(tmp_path / "worked.jsonl", worked_example_commands())
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [LEDGER, "import", str(file), "--batch-size", "2"], stdout=subprocess.PIPE, stderr=secondary, env=env
    )
    os.close(secondary)
    screen = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(primary)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert out.decode().startswith(f"imported {file}: 15 commands (15 appended")
    text = screen.decode(errors="replace")
    assert "import worked.jsonl" in text and "15/15" in text and "lines/s" in text, text
