"""Automatic failover by pg_auto_failover under load: no acknowledged command lost, none duplicated.

A monitor and two nodes (tests/pg_auto_failover.py), synchronous replication. Three clients append
the scripted county load (tests/faults/workload.py) through one group-committing ledger, and an
HTTP client registers patients through the API; all of them use the formation's multi-host URL
(`host1:port1,host2:port2 ... target_session_attrs=read-write`) and send a failed command again with
the same command id. Part-way through, the primary's machine is lost (SIGKILL to its keeper and
to PostgreSQL); the monitor promotes the standby, nobody points anything anywhere, and:

* every acknowledged command is on the promoted node exactly once: its command record holds the
  result its client was given, and the log holds exactly the events of the same script run once
  with no fault (no event twice, none missing, no version gap);
* the ledger and the API reconnected by themselves through the multi-host URL;
* every patient-year re-derives to the fen on the promoted node.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.application.scenario import publish_default, register_standard_hospitals
from tests.faults.workload import Client, client_script, stored_events, without_replay_flag
from tests.pg_auto_failover import Formation, formation

from api.access import AccessPolicy, Principal, Role
from api.main import create_app
from service.commands import COMMANDS, RegisterPatient
from service.ledger import BenefitLedger
from service.settings import Settings

CLIENTS, PATIENTS, HTTP_PATIENTS = 3, 5, 40  # 3 x 5 x 13 + 40 = 235 commands
ACCESS = AccessPolicy.from_tokens({"tok-admin": Principal(name="registry", role=Role.ADMIN)})
ADMIN = {"Authorization": "Bearer tok-admin"}


@pytest.fixture(scope="module")
def nodes() -> Iterator[Formation]:
    with formation() as started:
        yield started


def _registration(n: int) -> dict[str, Any]:
    return {"command_id": f"http:H{n}:reg", "patient_ref": f"H{n}", "county_code": "341821"}


class HttpClient:
    """Registers patients through the API; a 503 (or a dropped answer) is sent again with the same command id."""

    def __init__(self, api: TestClient, count: int, deadline_s: float = 90.0) -> None:
        self.api, self.count, self.deadline_s = api, count, deadline_s
        self.acknowledged: dict[str, dict[str, Any]] = {}
        self.failures: list[str] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for n in range(self.count):
                body = _registration(n)
                give_up = time.monotonic() + self.deadline_s
                while True:
                    try:
                        answer = self.api.post("/patients", json=body, headers=ADMIN)
                    except httpx.HTTPError as exc:
                        answer = None
                        self.failures.append(f"{body['command_id']}: {exc!r}")
                    if answer is not None and answer.status_code in (200, 201):
                        self.acknowledged[body["command_id"]] = answer.json()
                        break
                    if answer is not None:
                        assert answer.status_code == 503, answer.text  # the store's outage, nothing else
                        self.failures.append(f"{body['command_id']}: {answer.json()['detail']}")
                    assert time.monotonic() < give_up, f"{body['command_id']} never acknowledged"
                    time.sleep(0.2)
        except BaseException as exc:
            self.error = exc


def _reference(url: str) -> BenefitLedger:
    """The same commands, sent once with no fault, on a fresh SQLite store."""
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    publish_default(ledger)
    ledger.publish_default_policies()  # as the API server does at start-up (every shipped region)
    register_standard_hospitals(ledger)
    for c in range(CLIENTS):
        for method, kwargs in client_script(c, PATIENTS):
            ledger.handle(COMMANDS[method](**kwargs))
    for n in range(HTTP_PATIENTS):
        ledger.handle(RegisterPatient(**_registration(n)))
    return ledger


def test_the_primary_lost_under_load_is_replaced_by_the_standby_without_losing_an_acknowledged_command(
    nodes: Formation, tmp_path: object
) -> None:
    url = nodes.url("ledger")
    settings = Settings(database_url=url, pg_connect_timeout_s=2)
    setup = BenefitLedger.from_settings(settings)
    publish_default(setup)
    register_standard_hospitals(setup)
    shared = BenefitLedger.from_settings(settings.replaced(group_commit=True))  # as the API server runs
    clients = [Client(shared, client_script(c, PATIENTS)) for c in range(CLIENTS)]
    with TestClient(create_app(settings, access=ACCESS), raise_server_exceptions=False) as api:
        http = HttpClient(api, HTTP_PATIENTS)
        workers = [threading.Thread(target=w.run) for w in [*clients, http]]
        total = sum(len(c.script) for c in clients) + HTTP_PATIENTS

        def acknowledged() -> int:
            return sum(len(c.acknowledged) for c in clients) + len(http.acknowledged)

        for t in workers:
            t.start()
        while acknowledged() < 0.35 * total:
            assert any(t.is_alive() for t in workers), [c.error for c in clients] + [http.error]
            time.sleep(0.005)
        at_kill = acknowledged()
        nodes.kill("node1")
        promoted_after = nodes.wait_until(lambda: nodes.takes_writes("node2"), "node2 promoted", timeout=60)
        for t in workers:
            t.join(timeout=150)
        assert [c.error for c in clients] + [http.error] == [None] * (CLIENTS + 1)
        print(
            f"node1 killed at {at_kill} of {total} acknowledged; node2 took writes {promoted_after:.1f} s later; "
            f"failed attempts retried: {[len(c.failures) for c in clients]} + {len(http.failures)} over HTTP; "
            f"monitor: {nodes.states()}"
        )
        assert 0 < at_kill < total  # the primary was lost mid-load
        # the library's own retries usually ride out the promotion (clients then see no failure at all)
        assert len(http.acknowledged) == HTTP_PATIENTS  # the API reconnected by itself
        assert nodes.states().get("node2") in ("wait_primary", "primary") and not nodes.takes_writes("node1")
        assert api.get("/patients/H0", headers=ADMIN).status_code == 200

    promoted = BenefitLedger.from_settings(Settings(database_url=nodes.node_url("node2", "ledger")))
    reference = _reference(f"sqlite:///{tmp_path}/reference.db")
    per_version, topics = stored_events(promoted)
    expected_versions, expected_topics = stored_events(reference)
    assert set(per_version.values()) == {1}  # no (aggregate, version) twice
    assert per_version.keys() == expected_versions.keys()  # every event there, none extra, no gap
    assert topics == expected_topics
    for client in clients:  # each acknowledged command id: its record on node2 holds what the client was told
        assert len(client.acknowledged) == len(client.script)
        for method, kwargs in client.script:
            replay = promoted.handle(COMMANDS[method](**kwargs))
            assert replay["replayed"] is True
            assert without_replay_flag(replay) == without_replay_flag(client.acknowledged[kwargs["command_id"]])
    for n in range(HTTP_PATIENTS):
        replay = promoted.handle(RegisterPatient(**_registration(n)))
        assert replay["replayed"] is True
        assert promoted.get_patient(f"H{n}").version == 1
    for c in range(CLIENTS):
        for p in range(PATIENTS):
            assert promoted.verify_benefit_year(f"C{c}-P{p}", 2018)["verified"] is True
    for ledger in (setup, shared, promoted, reference):
        ledger.close()
