"""The settlement burst over HTTP: 16 clients POST the settlements of one patient-year at once, without
expected_version, to two API apps (two server workers, each with its own group committer) on one store.
Every settlement is recorded exactly once, none gets a 409 ("gave up after N conflicting attempts"), the
year verifies, and a client retrying its POST gets the first answer back (200, Idempotency-Replayed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from role_client import ACCESS, bearer
from tests.application.scenario import poor_patient
from tests.application.test_settlement_burst import BURST, PATIENT, SETTLED, _admit, _at_once

from api.main import create_app
from service.group_commit import GroupCommitter
from service.ledger import BenefitLedger
from service.settings import Settings

HOSPITAL = bearer("tok-hospital-LX-001")


@pytest.fixture
def servers(store_url: str) -> Iterator[list[tuple[TestClient, BenefitLedger]]]:
    ledgers = [BenefitLedger.from_settings(Settings(database_url=store_url)) for _ in range(2)]
    for ledger in ledgers:
        ledger.group_committer = GroupCommitter(ledger, linger=0.01)
    clients = [TestClient(create_app(ledger=ledger, access=ACCESS)) for ledger in ledgers]
    for client in clients:
        client.__enter__()
    yield list(zip(clients, ledgers, strict=True))
    for client in clients:
        client.__exit__(None, None, None)
    for ledger in ledgers:
        ledger.close()


def test_sixteen_http_settlements_of_one_patient_year_all_commit_once(
    servers: list[tuple[TestClient, BenefitLedger]],
) -> None:
    first = servers[0][1]  # the apps published the default policy at startup
    poor_patient(first, PATIENT)
    refs = [_admit(first, n) for n in range(BURST)]
    body = {"settled_at": SETTLED.isoformat()}

    def post(n: int) -> Callable[[], Any]:
        client = servers[n % 2][0]
        return lambda: client.post(
            f"/admissions/{refs[n]}/settlement", json={"command_id": f"{refs[n]}:s", **body}, headers=HOSPITAL
        )

    answers = _at_once([post(n) for n in range(BURST)])
    assert [a.status_code for a in answers] == [201] * BURST, [a.text for a in answers if a.status_code != 201]
    year = first.get_benefit_year(PATIENT, 2018)
    assert sorted(r["admission_ref"] for r in year.settlements) == sorted(refs)
    assert first.verify_benefit_year(PATIENT, 2018)["verified"] is True
    head = first.recorder.max_notification_id()

    retried = _at_once([post(n) for n in range(BURST)])  # every client retries: the first answers, nothing new
    assert [r.status_code for r in retried] == [200] * BURST
    assert all(r.headers["Idempotency-Replayed"] == "true" for r in retried)
    assert [r.json() for r in retried] == [a.json() for a in answers]
    assert first.recorder.max_notification_id() == head
