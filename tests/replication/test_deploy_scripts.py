"""The replication set-up the deployment uses (deploy/postgres/*.sh), run here on two local clusters.

primary-init.sh is what the official postgres image runs once on the primary; standby-entrypoint.sh
is the standby container's entrypoint: pg_basebackup -R from the primary, then a hot standby.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psycopg
from tests.pg_cluster import PgCluster, as_server_user, free_port, private_cluster, private_dir, wait_for_replay

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "postgres"


def _env(cluster: PgCluster, **extra: str) -> list[str]:
    path = f"{cluster.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    return ["env", f"PATH={path}", "REPLICATION_PASSWORD=not-checked-here", *(f"{k}={v}" for k, v in extra.items())]


def _wait_until_streaming(standby: PgCluster, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"the standby exited: {process.communicate()[1][-2000:]}"
        try:
            with psycopg.connect(standby.conninfo(), autocommit=True) as conn:
                row = conn.execute("SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver)").fetchone()
                if row == (True, "streaming"):
                    return
        except psycopg.OperationalError:
            pass
        assert time.monotonic() < deadline, "the standby did not start streaming"
        time.sleep(0.2)


def test_the_deploy_scripts_make_a_streaming_hot_standby_of_the_primary() -> None:
    with private_cluster("deploy-primary") as primary:
        init = subprocess.run(
            as_server_user(
                [
                    *_env(
                        primary,
                        PGHOST="127.0.0.1",
                        PGPORT=str(primary.port),
                        PGDATA=str(primary.data),
                        POSTGRES_USER="postgres",
                        POSTGRES_DB="postgres",
                    ),
                    "bash",
                    str(DEPLOY / "primary-init.sh"),
                ]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        assert init.returncode == 0, init.stderr
        with psycopg.connect(primary.conninfo(), autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
            assert conn.execute(
                "SELECT rolreplication, rolcanlogin FROM pg_roles WHERE rolname = 'replicator'"
            ).fetchone() == (True, True)
            assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'ledger'").fetchone() == (1,)
            assert conn.execute("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL").fetchone() == (0,)
            assert conn.execute(
                "SELECT count(*) FROM pg_hba_file_rules WHERE 'replicator' = ANY(user_name) "
                "AND 'replication' = ANY(database)"
            ).fetchone() == (1,)

        root = private_dir("deploy-standby")
        standby = PgCluster(root, free_port(), primary.bin)
        process = subprocess.Popen(
            as_server_user(
                [
                    *_env(primary, PRIMARY_HOST="127.0.0.1", PRIMARY_PORT=str(primary.port), PGDATA=str(standby.data)),
                    "bash",
                    str(DEPLOY / "standby-entrypoint.sh"),
                    "-c",
                    f"port={standby.port}",
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={root}",
                ]
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=root,
            start_new_session=True,
        )
        try:
            _wait_until_streaming(standby, process)
            with psycopg.connect(primary.conninfo(), autocommit=True) as conn:
                conn.execute("CREATE TABLE ledger.proj_probe (n int); INSERT INTO ledger.proj_probe VALUES (7)")
            wait_for_replay(primary, standby)
            with psycopg.connect(standby.conninfo(), autocommit=True) as conn:
                assert conn.execute("SELECT n FROM ledger.proj_probe").fetchall() == [(7,)]
            assert (standby.data / "standby.signal").exists()
        finally:
            os.killpg(process.pid, signal.SIGINT)  # postgres: fast shutdown (runuser does not pass it on)
            process.communicate(timeout=30)
            shutil.rmtree(root, ignore_errors=True)
