"""A private, throwaway PostgreSQL cluster for fault and replication tests.

The shared server on 5432 is never restarted or reconfigured by a test: tests that stop, restart
or replicate a server start their own cluster with `initdb` + `pg_ctl` on a free port, in a temp
directory, and remove it at teardown. `initdb` refuses to run as root, so as root (CI) every server
command runs as the `postgres` OS user (`runuser -u postgres --`) in a directory it owns.

Binaries: LEDGER_TEST_PG_BIN, else the newest /usr/lib/postgresql/<n>/bin. When there are none,
the fixtures skip, unless LEDGER_REQUIRE_POSTGRES is set (CI), when they fail instead.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BIN_ENV = "LEDGER_TEST_PG_BIN"
REQUIRE_ENV = "LEDGER_REQUIRE_POSTGRES"
SERVER_USER = "postgres"  # the OS user that owns the cluster when the tests run as root
START_TIMEOUT_S = 60


def pg_bin() -> Path | None:
    """Directory of initdb/pg_ctl/pg_basebackup, or None."""
    if os.environ.get(BIN_ENV):
        return Path(os.environ[BIN_ENV])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]), reverse=True)
    return found[0].parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", SERVER_USER, "--", *argv]


class PgCluster:
    """One cluster: `data/` and its log under `root`, listening on 127.0.0.1:`port` only."""

    def __init__(self, root: Path, port: int, bin_dir: Path) -> None:
        self.root, self.port, self.bin = root, port, bin_dir
        self.data = root / "data"
        self.log = root / "server.log"

    # ---- life cycle ------------------------------------------------------------------------------
    @classmethod
    def create(cls, bin_dir: Path, name: str = "primary") -> PgCluster:
        cluster = cls(private_dir(name), free_port(), bin_dir)
        cluster.run(
            "initdb",
            "-D",
            str(cluster.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        cluster.configure(
            wal_level="replica",
            max_wal_senders="4",
            hot_standby="on",
            max_connections="60",
            shared_buffers="32MB",
            fsync="on",
            synchronous_commit="on",
        )
        return cluster

    def standby(self, name: str = "standby") -> PgCluster:
        """A hot standby of this (running) cluster: pg_basebackup -R, streaming, on its own port."""
        replica = PgCluster(private_dir(name), free_port(), self.bin)
        replica.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-D",
            str(replica.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        replica.configure()
        return replica

    def configure(self, **settings: str) -> None:
        """Append settings (later lines win); port, address and socket directory are always this cluster's."""
        lines = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            **{k: str(v) for k, v in settings.items()},
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("".join(f"{key} = {value}\n" for key, value in lines.items()))

    def start(self) -> None:
        self.pg_ctl("start", "-w", "-t", str(START_TIMEOUT_S), "-l", str(self.log))

    def restart(self, mode: str = "fast") -> None:
        self.pg_ctl("restart", "-m", mode, "-w", "-t", str(START_TIMEOUT_S), "-l", str(self.log))

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("stop", "-m", mode, "-w", "-t", str(START_TIMEOUT_S))

    def running(self) -> bool:
        return (
            subprocess.run(
                as_server_user([str(self.bin / "pg_ctl"), "status", "-D", str(self.data)]),
                capture_output=True,
                check=False,
            ).returncode
            == 0
        )

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # ---- commands --------------------------------------------------------------------------------
    def pg_ctl(self, *args: str) -> None:
        self.run("pg_ctl", args[0], "-D", str(self.data), *args[1:])

    def run(self, program: str, *args: str) -> str:
        done = subprocess.run(
            as_server_user([str(self.bin / program), *args]), capture_output=True, text=True, check=False, cwd=self.root
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({done.returncode}): "
                f"{done.stderr.strip() or done.stdout.strip()}\n{log}"
            )
        return done.stdout

    # ---- addresses -------------------------------------------------------------------------------
    def url(self, schema: str | None = None) -> str:
        base = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        return f"{base}?schema={schema}" if schema else base

    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} dbname=postgres user=postgres connect_timeout=5"


def private_dir(name: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"ledger-pg-{name}-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam(SERVER_USER)
        os.chown(root, account.pw_uid, account.pw_gid)
    return root


def wait_for_replay(primary: PgCluster, standby: PgCluster, timeout: float = 30.0) -> str:
    """Block until the standby has replayed everything the primary has written; return that LSN."""
    import psycopg

    with psycopg.connect(primary.conninfo(), autocommit=True) as conn:
        target = str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])  # type: ignore[index]
    deadline = time.monotonic() + timeout
    with psycopg.connect(standby.conninfo(), autocommit=True) as conn:
        while True:
            caught_up = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()
            if caught_up and caught_up[0]:
                return target
            if time.monotonic() > deadline:
                raise TimeoutError(f"standby did not replay up to {target} within {timeout} s")
            time.sleep(0.05)


def cluster_binaries_or_skip() -> Path:
    """The binaries directory; skip the test without them (fail when LEDGER_REQUIRE_POSTGRES is set)."""
    found = pg_bin()
    missing = found is None or not (found / "initdb").exists()
    if not missing and os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            missing = True
    if missing:
        reason = (
            f"private PostgreSQL clusters need initdb/pg_ctl ({BIN_ENV} or /usr/lib/postgresql/<n>/bin)"
            f" and, as root, an OS user {SERVER_USER!r}"
        )
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but {reason}")
        pytest.skip(reason)
    assert found is not None
    return found


def tool_or_skip(program: str, package: str) -> str:
    """The path of a server-side tool (pgBackRest, pg_autoctl); skip without it (fail when
    LEDGER_REQUIRE_POSTGRES is set)."""
    found = shutil.which(program)
    if found is None:
        reason = f"{program} is not installed (apt-get install {package})"
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but {reason}")
        pytest.skip(reason)
    return found


@contextmanager
def private_cluster(name: str = "primary") -> Iterator[PgCluster]:
    """A started cluster, stopped and removed afterwards (even when the test fails)."""
    cluster = PgCluster.create(cluster_binaries_or_skip(), name)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
