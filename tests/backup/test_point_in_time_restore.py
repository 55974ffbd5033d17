"""Base backup + WAL archiving with pgBackRest, and a restore to a point in time between two commands.

A private cluster archives every WAL segment into a private pgBackRest repository. After a full
backup, the county's first commands are acknowledged; the server's clock is read (the target);
then more commands follow, among them "the mistake" (an audit finding recorded against the wrong
admission) that a standby would have replicated at once. A new cluster restored to the target
time holds exactly the commands acknowledged before it: the same events, to the version, as those
commands sent once to a fresh store, none of the later command ids, and `ledger verify` is clean.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from tests.application.scenario import publish_default, register_standard_hospitals
from tests.backup.backup_repo import BackupRepo, pgbackrest_or_skip
from tests.faults.workload import client_script, stored_events
from tests.pg_cluster import PgCluster, cluster_binaries_or_skip

from domain import ids
from service.commands import COMMANDS
from service.ledger import BenefitLedger
from service.settings import Settings

BEFORE = client_script(0, 3)  # acknowledged before the target time: 3 patients, 6 settled admissions
AFTER = client_script(1, 2)  # after it: another client's patients, lost by the restore as they should be


@pytest.fixture
def archived() -> Iterator[tuple[PgCluster, BackupRepo]]:
    cluster = PgCluster.create(cluster_binaries_or_skip(), "archived")
    repo = BackupRepo(cluster, pgbackrest_or_skip())
    try:
        cluster.configure(archive_mode="on", archive_command=repo.archive_command(), archive_timeout="60")
        cluster.start()
        repo.run("stanza-create")
        repo.run("check")  # the archive_command works: a WAL switch reaches the repository
        yield cluster, repo
    finally:
        cluster.destroy()
        repo.destroy()


def _send(ledger: BenefitLedger, script: list[tuple[str, dict[str, object]]]) -> None:
    for method, kwargs in script:
        ledger.handle(COMMANDS[method](**kwargs))


def test_a_restore_to_a_point_in_time_holds_exactly_the_commands_before_it_and_verifies(
    archived: tuple[PgCluster, BackupRepo], tmp_path: Path
) -> None:
    cluster, repo = archived
    repo.run("backup", "--type=full")
    # pgBackRest keeps a backup's stop time to the second and restores only from a backup that stopped
    # before the target: on a fast machine the first commands and the target fall in the same second.
    time.sleep(1.2)
    ledger = BenefitLedger.from_settings(Settings(database_url=cluster.url("ledger")))
    publish_default(ledger)
    register_standard_hospitals(ledger)
    _send(ledger, BEFORE)
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        target = str(conn.execute("SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.USOF')").fetchone()[0])  # type: ignore[index]
    _send(ledger, AFTER)
    head_before_restore = ledger.recorder.max_notification_id()
    ledger.close()
    repo.run("check")  # switches WAL and waits until the segment holding the later commits is archived
    info = repo.run("info")
    assert "full backup" in info, info

    restored = repo.restore_to(target)
    try:
        restored.start()
        repo.wait_promoted(restored)
        url = restored.url("ledger")
        on_restored = BenefitLedger.from_settings(Settings(database_url=url))
        reference = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{tmp_path}/reference.db"))
        publish_default(reference)
        register_standard_hospitals(reference)
        _send(reference, BEFORE)
        per_version, topics = stored_events(on_restored)
        expected_versions, expected_topics = stored_events(reference)
        assert set(per_version.values()) == {1}
        assert per_version.keys() == expected_versions.keys() and topics == expected_topics
        streams = {stream for stream, _ in per_version}
        for _, kwargs in BEFORE:
            assert str(ids.command_record_id(str(kwargs["command_id"]))) in streams
        for _, kwargs in AFTER:  # none of the later commands survived the restore
            assert str(ids.command_record_id(str(kwargs["command_id"]))) not in streams
        assert on_restored.recorder.max_notification_id() < head_before_restore
        print(f"restored to {target}: {len(per_version)} events of {head_before_restore} notifications")
        on_restored.close()
        reference.close()

        verify = subprocess.run(
            [str(Path(sys.executable).with_name("ledger")), "--database-url", url, "verify"],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            cwd=tmp_path,
            check=False,
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        print(verify.stdout.strip().splitlines()[-1])
    finally:
        restored.destroy()
