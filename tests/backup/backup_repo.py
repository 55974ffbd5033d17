"""A private pgBackRest repository for one private cluster (tests/pg_cluster.py): WAL archiving, backups, restores.

The repository, its config, logs and locks live in one temp directory; pgBackRest connects to the
cluster through its Unix socket directory and runs as the cluster's OS user (as root: `postgres`).
The same settings in production: deploy/pgbackrest/pgbackrest.conf and docs/deployment.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from tests.pg_cluster import PgCluster, as_server_user, free_port, private_dir, tool_or_skip

STANZA = "ledger"


def pgbackrest_or_skip() -> str:
    return tool_or_skip("pgbackrest", "pgbackrest")


class BackupRepo:
    def __init__(self, cluster: PgCluster, program: str) -> None:
        self.cluster, self.program = cluster, program
        self.root = private_dir("pgbackrest")
        self.config = self.root / "pgbackrest.conf"
        self.config.write_text(
            "[global]\n"
            f"repo1-path={self.root / 'repo'}\n"
            "repo1-retention-full=2\n"
            f"log-path={self.root / 'log'}\n"
            f"lock-path={self.root / 'lock'}\n"
            "log-level-console=warn\n"
            "log-level-file=info\n"
            "start-fast=y\n"
            "compress-type=lz4\n"
            f"\n[{STANZA}]\n"
            f"pg1-path={cluster.data}\n"
            f"pg1-port={cluster.port}\n"
            f"pg1-socket-path={cluster.root}\n"
        )
        os.chmod(self.config, 0o644)

    def archive_command(self) -> str:
        """postgresql.conf's archive_command: every finished WAL segment is pushed to the repository."""
        return f"'{self.program} --config={self.config} --stanza={STANZA} archive-push %p'"

    def run(self, *args: str) -> str:
        done = subprocess.run(
            as_server_user([self.program, f"--config={self.config}", f"--stanza={STANZA}", *args]),
            capture_output=True,
            text=True,
            check=False,
            cwd=self.root,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pgbackrest {' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")
        return done.stdout

    def restore_to(self, target_time: str, name: str = "restored") -> PgCluster:
        """A new cluster restored from the latest backup plus archived WAL up to `target_time`, then promoted."""
        restored = PgCluster(private_dir(name), free_port(), self.cluster.bin)
        self.run(
            "restore",
            f"--pg1-path={restored.data}",
            "--type=time",
            f"--target={target_time}",
            "--target-action=promote",
        )
        restored.configure(archive_mode="off")  # its own port and socket; it must not push into this repository
        return restored

    @staticmethod
    def wait_promoted(restored: PgCluster, timeout: float = 60.0) -> None:
        """Block until the restored cluster has replayed to its target and promoted itself (it then takes writes)."""
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            with psycopg.connect(restored.conninfo(), autocommit=True) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
            if row is not None and row[0] is False:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the restored cluster was still recovering after {timeout} s")
            time.sleep(0.2)

    def destroy(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
