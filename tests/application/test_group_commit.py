"""Group commit: concurrent commands share transactions, yet each keeps its own idempotency and refusals."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from tests.application.scenario import poor_patient, publish_default, worked_example

from domain.errors import ConcurrencyConflictError, NotFoundError
from service.commands import EnrolPatient, RecordFollowUp, RegisterPatient
from service.group_commit import GroupCommitter
from service.ledger import BenefitLedger
from service.settings import Settings


@pytest.fixture
def grouped(store_url: str) -> Iterator[BenefitLedger]:
    app = BenefitLedger.from_settings(Settings(database_url=store_url))
    app.group_committer = GroupCommitter(app, linger=0.05)  # a wide window so concurrent calls surely group
    yield app
    app.close()


def _concurrently(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; each outcome is its result or its exception."""
    outcomes: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(n: int) -> None:
        barrier.wait()
        try:
            outcomes[n] = calls[n]()
        except Exception as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_sixteen_concurrent_commands_share_commits_and_each_gets_its_result(grouped: BenefitLedger) -> None:
    before = grouped.group_committer.groups  # type: ignore[union-attr]
    outcomes = _concurrently(
        [
            (
                lambda n=n: grouped.handle(
                    RegisterPatient(command_id=f"reg-{n}", patient_ref=f"P{n}", county_code="341821")
                )
            )
            for n in range(16)
        ]
    )
    assert all(isinstance(o, dict) and not o["replayed"] for o in outcomes), outcomes
    assert [grouped.get_patient(f"P{n}").patient_ref for n in range(16)] == [f"P{n}" for n in range(16)]
    committer = grouped.group_committer
    assert committer is not None and committer.commands >= 16 and committer.groups - before < 16


def test_a_refused_command_in_a_group_fails_alone(grouped: BenefitLedger) -> None:
    calls = [
        (lambda n=n: grouped.handle(RegisterPatient(command_id=f"reg-{n}", patient_ref=f"P{n}", county_code="341821")))
        for n in range(8)
    ]
    calls.append(lambda: grouped.handle(EnrolPatient(command_id="enrol-nobody", patient_ref="NOBODY", year=2018)))
    outcomes = _concurrently(calls)
    assert isinstance(outcomes[-1], NotFoundError)
    assert all(isinstance(o, dict) for o in outcomes[:-1])
    assert all(f"P{n}" == grouped.get_patient(f"P{n}").patient_ref for n in range(8))


def test_the_same_command_id_sent_concurrently_is_applied_once(grouped: BenefitLedger) -> None:
    poor_patient(grouped, "P")
    version = grouped.get_patient("P").version
    outcomes = _concurrently(
        [
            lambda: grouped.handle(
                RecordFollowUp(
                    command_id="fu-1",
                    patient_ref="P",
                    followed_up_on=date(2018, 3, 1),
                    heart_rate=72,
                    blood_glucose=Decimal("6.1"),
                )
            )
            for _ in range(6)
        ]
    )
    assert sorted(o["replayed"] for o in outcomes) == [False] + [True] * 5
    assert grouped.get_patient("P").version == version + 1


def test_stale_expected_versions_in_one_group_get_409_with_the_current_version(grouped: BenefitLedger) -> None:
    poor_patient(grouped, "P")
    version = grouped.get_patient("P").version
    outcomes = _concurrently(
        [
            (
                lambda n=n: grouped.handle(
                    RecordFollowUp(
                        command_id=f"fu-{n}",
                        patient_ref="P",
                        followed_up_on=date(2018, 3, 1),
                        heart_rate=70 + n,
                        expected_version=version,
                    )
                )
            )
            for n in range(4)
        ]
    )
    won = [o for o in outcomes if isinstance(o, dict)]
    lost = [o for o in outcomes if isinstance(o, ConcurrencyConflictError)]
    assert len(won) == 1 and len(lost) == 3
    assert {o.current_version for o in lost} == {version + 1}
    assert grouped.get_patient("P").version == version + 1


def test_settlements_through_group_commit_equal_the_worked_example(grouped: BenefitLedger) -> None:
    publish_default(grouped)
    a, b = worked_example(grouped)
    assert (a["patient_share"], b["patient_share"]) == (Decimal("2085.00"), Decimal("13309.00"))
    assert grouped.verify_benefit_year("P-2.3", 2018)["verified"]
