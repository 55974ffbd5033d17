"""A private pg_auto_failover formation: a monitor and two PostgreSQL nodes, synchronous replication.

Everything lives under one temp directory on free ports (127.0.0.1 only); the shared server on 5432
is never touched. The deployment's own scripts (deploy/postgres/auto-failover-monitor.sh and
auto-failover-node.sh, around `pg_autoctl` from Debian's postgresql-15-auto-failover) create the monitor, then node1
(the primary) and node2 (cloned from it, a synchronous standby: `synchronous_standby_names = 'ANY 1
(pgautofailover_standby_2)'`), and keeps one `pg_autoctl run` per node: the keeper that starts
PostgreSQL and follows the monitor's orders. The monitor's health checks are shortened (seconds,
not the defaults' half minute) so that a failover fits in a test.

`kill(node)` is a lost machine: SIGKILL to every process of the node's session (keeper and
PostgreSQL). As root (CI) every program runs as the `postgres` OS user (tests/pg_cluster.py).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from tests.pg_cluster import as_server_user, cluster_binaries_or_skip, free_port, private_dir, tool_or_skip

# the monitor's failure detection (ms); the defaults add up to about 30 s before a promotion
MONITOR_SETTINGS = {
    "health_check_period": 1000,
    "health_check_timeout": 1000,
    "health_check_max_retries": 1,
    "health_check_retry_delay": 500,
    "node_considered_unhealthy_timeout": 3000,
    "primary_demote_timeout": 5000,
}
READY_TIMEOUT_S = 90
SCRIPTS = Path(__file__).resolve().parents[1] / "deploy" / "postgres"


def pg_autoctl_or_skip() -> str:
    return tool_or_skip("pg_autoctl", "postgresql-15-auto-failover")


class Formation:
    def __init__(self, bin_dir: Path, pg_autoctl: str) -> None:
        self.bin, self.pg_autoctl = bin_dir, pg_autoctl
        self.root = private_dir("formation")
        self.ports = {name: free_port() for name in ("monitor", "node1", "node2")}
        self.keepers: dict[str, subprocess.Popen[bytes]] = {}

    # ---- running the deployment's scripts (deploy/postgres/auto-failover-*.sh) ------------------------
    def _env(self, name: str, **extra: str) -> list[str]:
        xdg = [f"XDG_{kind}_HOME={self.root / kind.lower()}" for kind in ("CONFIG", "DATA")]
        settings = {
            "PATH": f"{self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "PGDATA": str(self.root / name),
            "PGPORT": str(self.ports[name]),
            "PGCTL": str(self.bin / "pg_ctl"),
            "AUTH": "trust",
            "SSL_OPTS": "--no-ssl",
            **extra,
        }
        return ["env", *xdg, f"XDG_RUNTIME_DIR={self.root / 'run'}", *(f"{k}={v}" for k, v in settings.items())]

    def _keeper(self, name: str, script: str, **extra: str) -> None:
        """The node's script in its own session (so that kill() takes all of it: keeper, PostgreSQL, backends)."""
        log = (self.root / f"{name}.log").open("ab")
        argv = as_server_user([*self._env(name, **extra), "bash", str(SCRIPTS / script)])
        self.keepers[name] = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.root
        )

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    # ---- life cycle --------------------------------------------------------------------------------
    def start(self) -> None:
        self._keeper("monitor", "auto-failover-monitor.sh", MONITOR_HOSTNAME="127.0.0.1")
        self._wait(lambda: self._monitor_answers(), "the monitor to accept connections")
        with psycopg.connect(self.conninfo("monitor", "pg_auto_failover"), autocommit=True) as conn:
            for setting, value in MONITOR_SETTINGS.items():
                conn.execute(f"ALTER SYSTEM SET pgautofailover.{setting} = {value}")
            conn.execute("SELECT pg_reload_conf()")
        monitor = f"postgres://autoctl_node@127.0.0.1:{self.ports['monitor']}/pg_auto_failover?sslmode=disable"
        for name, state in (("node1", {"node1": "single"}), ("node2", {"node1": "primary", "node2": "secondary"})):
            self._keeper(
                name,
                "auto-failover-node.sh",
                NODE_NAME=name,
                NODE_HOSTNAME="127.0.0.1",
                LISTEN_ADDRESSES="127.0.0.1",
                MONITOR_URI=monitor,
            )
            self._wait(lambda state=state: self.states() == state, f"{name} to join: {state}")  # type: ignore[misc]
        self._wait(lambda: bool(self.setting("node1", "synchronous_standby_names")), "synchronous replication")

    def destroy(self) -> None:
        for keeper in self.keepers.values():
            self._signal_session(keeper, signal.SIGKILL)
        for keeper in self.keepers.values():
            keeper.wait(timeout=10)
        for name in ("node1", "node2", "monitor"):  # a postgres left behind (its keeper was killed first)
            pid_file = self.root / name / "postmaster.pid"
            if pid_file.exists():
                subprocess.run(
                    as_server_user([str(self.bin / "pg_ctl"), "stop", "-D", str(self.root / name), "-m", "immediate"]),
                    capture_output=True,
                    check=False,
                )
        shutil.rmtree(self.root, ignore_errors=True)

    def kill(self, name: str) -> None:
        """The node's machine is lost: SIGKILL to its keeper, its PostgreSQL and every backend, at once."""
        self._signal_session(self.keepers[name], signal.SIGKILL)
        self.keepers[name].wait(timeout=10)

    @staticmethod
    def _signal_session(keeper: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        listing = subprocess.run(["ps", "-eo", "pid=,sid="], capture_output=True, text=True, check=True).stdout
        for line in listing.splitlines():
            pid, sid = (int(x) for x in line.split())
            if sid == keeper.pid:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass

    # ---- state -------------------------------------------------------------------------------------
    def conninfo(self, name: str, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.ports[name]} dbname={dbname} user=postgres connect_timeout=2"

    def url(self, schema: str) -> str:
        """The formation URI, as `pg_autoctl show uri --formation default` prints it (and a schema)."""
        hosts = ",".join(f"127.0.0.1:{self.ports[n]}" for n in ("node1", "node2"))
        return f"postgresql://postgres@{hosts}/postgres?target_session_attrs=read-write&schema={schema}"

    def node_url(self, name: str, schema: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports[name]}/postgres?schema={schema}"

    def states(self) -> dict[str, str]:
        """node name -> reported state, where the monitor's goal state agrees ({} while the monitor is away)."""
        try:
            with psycopg.connect(self.conninfo("monitor", "pg_auto_failover")) as conn:
                rows = conn.execute("SELECT nodename, reportedstate, goalstate FROM pgautofailover.node").fetchall()
        except psycopg.Error:
            return {}
        return {str(name): str(reported) for name, reported, goal in rows if reported == goal}

    def setting(self, name: str, setting: str) -> str | None:
        try:
            with psycopg.connect(self.conninfo(name)) as conn:
                row = conn.execute("SELECT current_setting(%s)", [setting]).fetchone()
        except psycopg.Error:
            return None
        return None if row is None else str(row[0])

    def takes_writes(self, name: str) -> bool:
        return self.setting(name, "transaction_read_only") == "off"

    def _monitor_answers(self) -> bool:
        """The monitor's extension answers (the database exists once `create monitor` has done its work)."""
        try:
            with psycopg.connect(self.conninfo("monitor", "pg_auto_failover")) as conn:
                conn.execute("SELECT count(*) FROM pgautofailover.node")
        except psycopg.Error:
            return False
        return True

    def _wait(self, condition: object, what: str, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while not condition():  # type: ignore[operator]
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {n}\n{self.log(n)}" for n in self.keepers)
                raise TimeoutError(f"waited {timeout} s for {what}; monitor sees {self.states()}\n{logs}")
            time.sleep(0.25)

    def wait_until(self, condition: object, what: str, timeout: float = READY_TIMEOUT_S) -> float:
        """Seconds until `condition()` held."""
        started = time.monotonic()
        self._wait(condition, what, timeout)
        return time.monotonic() - started


@contextmanager
def formation() -> Iterator[Formation]:
    """A started formation (monitor, primary node1, synchronous standby node2), removed afterwards."""
    made = Formation(cluster_binaries_or_skip(), pg_autoctl_or_skip())
    try:
        made.start()
        yield made
    finally:
        made.destroy()
