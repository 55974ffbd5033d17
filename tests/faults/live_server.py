"""A real uvicorn server in a child process, for tests that need a real socket and real file permissions.

`live_server(database_url, token)` starts `api.main.create_app` on a free port with one admin client,
waits until `/health` answers and yields (base URL, the server's stderr file). Run as root, the child is
started without CAP_DAC_OVERRIDE (`setpriv`), so a file's mode bits apply to it as to any service user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tests.pg_cluster import free_port

_SERVER = """
import sys, uvicorn
from api.access import AccessPolicy, Principal, Role
from api.main import create_app
from service.settings import Settings
url, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
access = AccessPolicy.from_tokens({token: Principal(name="registry", role=Role.ADMIN)})
uvicorn.run(create_app(Settings(database_url=url), access=access), host="127.0.0.1", port=port, log_level="info")
"""


def _without_file_override() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root, the test needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE"
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}"]


@contextmanager
def live_server(
    database_url: str, token: str, log_dir: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = log_dir / "server.log"
    with log.open("wb") as sink:
        child = subprocess.Popen(
            [*_without_file_override(), sys.executable, "-c", _SERVER, database_url, str(port), token],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert child.poll() is None, log.read_text()
                try:
                    if httpx.get(base + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the server did not start: " + log.read_text()
                time.sleep(0.2)
            yield base, log
        finally:
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
