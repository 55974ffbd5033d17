"""Two writers settle two admissions of one patient-year at the same moment, round after round.

Each round both writers compute their settlement on the same year-to-date accumulators and only
then save (a barrier sits in front of the round's first insert into the store), so every round is a real race
for the same BenefitYear version. Exactly one writer must lose each round, re-read and settle again
on the accumulators the winner left: no settlement may be applied twice, and none computed against
a stale accumulator (verify_benefit_year re-derives every settlement, in order, from raw facts).
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import IntegrityError
from tests.application.scenario import COUNTY_HOSPITAL, PROVINCE_HOSPITAL, SETTLED_AT, poor_patient, publish_default

from service.commands import Discharge, RegisterAdmission, SettleAdmission
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital
from service.settings import Settings

ROUNDS = 20
PATIENT = "P-RACE"
CUMULATIVE_PAYERS = ("cii", "ma", "b351", "reassist")  # year-state key `<payer>.paid`


def _admit(ledger: BenefitLedger, ref: str, n: int) -> None:
    day = date(2018, 2 + n % 5, 1 + n % 28)  # February to June: all settle at SETTLED_AT, within 180 days
    hospital = PROVINCE_HOSPITAL if n % 3 == 0 else COUNTY_HOSPITAL
    ledger.handle(
        RegisterAdmission(
            command_id=f"{ref}:r",
            admission_ref=ref,
            patient_ref=PATIENT,
            kind="inpatient",
            hospital_code=ensure_hospital(ledger, hospital),
            admitted_on=day,
            referred=hospital is PROVINCE_HOSPITAL,
        )
    )
    ledger.handle(
        charge_line(
            command_id=f"{ref}:l1",
            admission_ref=ref,
            line_no="1",
            category="surgery",
            amount=Decimal(2000 + 1375 * n) + Decimal("0.37"),
            compliant=True,
        )
    )
    ledger.handle(
        charge_line(
            command_id=f"{ref}:l2",
            admission_ref=ref,
            line_no="2",
            category="drug",
            amount=Decimal(150 * (n % 4)) + Decimal("0.05"),
            compliant=False,
        )
    )
    ledger.handle(Discharge(command_id=f"{ref}:d", admission_ref=ref, discharged_on=day))


class RacingWriter:
    """A ledger of its own whose first insert of each round waits until the other writer is ready too."""

    def __init__(self, store_url: str, start: threading.Barrier, done: threading.Barrier) -> None:
        self.app = BenefitLedger.from_settings(Settings(database_url=store_url))
        self.start, self.done = start, done
        self.conflicts = 0
        self.errors: list[BaseException] = []
        self._first_of_round = False
        # the barrier sits in front of the store's insert, the one write every path ends in (a command's own
        # save, the single-command read-ahead's, a batch's), so the race does not depend on which path ran
        recorder: Any = self.app.recorder
        original = recorder.insert_events

        def insert_events(*events: Any, **kwargs: Any) -> Any:
            if self._first_of_round:
                self._first_of_round = False
                self.start.wait(timeout=30)
            try:
                return original(*events, **kwargs)
            except IntegrityError:
                self.conflicts += 1
                raise

        recorder.insert_events = insert_events

    def run(self, refs: list[str]) -> None:
        try:
            for ref in refs:
                self._first_of_round = True
                self.app.handle(SettleAdmission(command_id=f"{ref}:s", admission_ref=ref, settled_at=SETTLED_AT))
                self.done.wait(timeout=30)
        except BaseException as exc:
            self.errors.append(exc)
            self.start.abort()
            self.done.abort()


def test_every_settlement_of_a_raced_patient_year_is_applied_exactly_once(store_url: str) -> None:
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    publish_default(ledger)
    poor_patient(ledger, PATIENT)
    refs = [f"R{n:02d}" for n in range(2 * ROUNDS)]
    for n, ref in enumerate(refs):
        _admit(ledger, ref, n)
    start, done = threading.Barrier(2), threading.Barrier(2)
    writers = [RacingWriter(store_url, start, done) for _ in range(2)]
    threads = [threading.Thread(target=w.run, args=(refs[i::2],)) for i, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert [w.errors for w in writers] == [[], []]
    # every round was a real race: exactly one of the two saves of the round collided
    assert sum(w.conflicts for w in writers) == ROUNDS

    history = ledger.get_benefit_year(PATIENT, 2018)
    assert sorted(r["admission_ref"] for r in history.settlements) == refs  # each once, none twice
    assert history.version == 1 + 2 * ROUNDS  # opened + one event per settlement
    assert all(len(ledger.get_admission(ref).settlements) == 1 for ref in refs)
    for payer in CUMULATIVE_PAYERS:  # the accumulators hold the sum of what each settlement paid, in order
        paid = sum(
            (
                Decimal(layer["amount"])
                for r in history.settlements
                for layer in r["settlement"]["layers"]
                if layer["payer"] == payer
            ),
            Decimal("0.00"),
        )
        assert history.state["amounts"][f"{payer}.paid"] == paid, payer
    assert history.state["amounts"]["cii.paid"] > 0 and history.state["amounts"]["ma.paid"] > 0
    report = ledger.verify_benefit_year(PATIENT, 2018)
    assert report["differences"] == [] and report["verified"] is True and report["settlements"] == 2 * ROUNDS
    for w in writers:
        w.app.close()
    ledger.close()
