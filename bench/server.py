"""The API in a uvicorn subprocess (real HTTP, N workers), with bench clients' tokens in a keys file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.access_keys import add_client


@dataclass
class Tokens:
    admin: str
    dashboard: str
    auditor: str
    hospitals: dict[str, str]  # hospital code -> token of a client bound to it


def issue_tokens(path: Path, hospital_codes: list[str]) -> Tokens:
    """Write a keys file with one client per role (one per hospital window) and return their tokens."""
    return Tokens(
        admin=add_client(path, name="bench-admin", role="admin"),
        dashboard=add_client(path, name="bench-dashboard", role="dashboard"),
        auditor=add_client(path, name="bench-auditor", role="auditor"),
        hospitals={
            code: add_client(path, name=f"bench-{code}", role="hospital", hospital=code) for code in hospital_codes
        },
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str  # http://127.0.0.1:<port>
    tokens: Tokens
    pid: int  # the uvicorn process (its workers are its children)


@contextmanager
def api_server(
    database_url: str,
    hospital_codes: list[str],
    *,
    workers: int = 1,
    group_commit: bool = False,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Run `uvicorn api.main:app` on a free port with clients for `hospital_codes` (and `env`, more
    LEDGER_* settings); stop it on exit."""
    with tempfile.TemporaryDirectory(prefix="bench-keys-") as keys_dir:
        keys = Path(keys_dir) / "api-keys.toml"
        tokens = issue_tokens(keys, hospital_codes)
        port = _free_port()
        env = {
            **os.environ,
            "LEDGER_DATABASE_URL": database_url,
            "LEDGER_API_KEYS_FILE": str(keys),
            "LEDGER_GROUP_COMMIT": "1" if group_commit else "0",
            "PYTHONPATH": os.pathsep.join(filter(None, ["src", os.environ.get("PYTHONPATH")])),
            **(env or {}),
        }
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        # the server's stderr goes to a file, not a pipe nobody reads (a full pipe would block a worker
        # writing a traceback); LEDGER_BENCH_SERVER_LOG keeps it at that path after the run
        log_path = Path(os.environ.get("LEDGER_BENCH_SERVER_LOG") or Path(keys_dir) / "server.log")
        log = log_path.open("ab")
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, process, log_path)
            yield Server(base, tokens, process.pid)
        finally:
            log.close()
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(base: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = log_path.read_text(errors="replace")
            raise RuntimeError(f"the API server exited ({process.returncode}): {error[-2000:]}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API server did not become ready within {timeout:.0f} s")
