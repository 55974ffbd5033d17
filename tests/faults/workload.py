"""A scripted load of ledger commands with fixed command ids, and what a store holds afterwards.

Each client owns its patients: register, enrol, poverty status, then admissions (register, two
charge lines, discharge, settle). Every command has a fixed id, so a client that sees a failure
sends the same command again; the ledger's idempotency makes that safe.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tests.application.scenario import COUNTY_HOSPITAL, PROVINCE_HOSPITAL, SETTLED_AT

from service.commands import COMMANDS
from service.ledger import BenefitLedger
from service.store_errors import store_error

Command = tuple[str, dict[str, Any]]  # (ledger method, keyword arguments including command_id)


def client_script(client: int, patients: int, admissions: int = 2) -> list[Command]:
    script: list[Command] = []
    for p in range(patients):
        ref = f"C{client}-P{p}"
        script += [
            ("register_patient", {"command_id": f"{ref}:reg", "patient_ref": ref, "county_code": "341821"}),
            ("enrol_patient", {"command_id": f"{ref}:enrol", "patient_ref": ref, "year": 2018}),
            (
                "record_poverty_status",
                {
                    "command_id": f"{ref}:status",
                    "patient_ref": ref,
                    "status": "dibao" if p % 2 else "jiandanglika",
                    "effective_from": date(2016, 1, 1),
                },
            ),
        ]
        for a in range(admissions):
            adm, day = f"{ref}-A{a}", date(2018, 2 + 3 * a, 5 + p % 20)
            hospital = PROVINCE_HOSPITAL if (p + a) % 2 else COUNTY_HOSPITAL
            script += [
                (
                    "register_admission",
                    {
                        "command_id": f"{adm}:reg",
                        "admission_ref": adm,
                        "patient_ref": ref,
                        "kind": "inpatient",
                        "hospital_code": hospital["code"],
                        "admitted_on": day,
                        "referred": hospital is PROVINCE_HOSPITAL,
                    },
                ),
                (
                    "post_charge_line",
                    {
                        "command_id": f"{adm}:l1",
                        "admission_ref": adm,
                        "line_no": "1",
                        "category": "surgery",
                        "item_code": "G-TREATMENT",
                        "quantity": 1,
                        "unit_price": Decimal(9000 + 2500 * p + 4000 * a),
                    },
                ),
                (
                    "post_charge_line",
                    {
                        "command_id": f"{adm}:l2",
                        "admission_ref": adm,
                        "line_no": "2",
                        "category": "drug",
                        "item_code": "S-DRUGS",
                        "quantity": 1,
                        "unit_price": Decimal("812.40"),
                    },
                ),
                ("discharge", {"command_id": f"{adm}:dis", "admission_ref": adm, "discharged_on": day}),
                ("settle_admission", {"command_id": f"{adm}:settle", "admission_ref": adm, "settled_at": SETTLED_AT}),
            ]
    return script


@dataclass
class Client:
    """Sends its script in order; on a store failure it waits and sends the same command again."""

    ledger: BenefitLedger
    script: list[Command]
    deadline_s: float = 90.0
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # one line per failed attempt (the store's error)
    error: BaseException | None = None

    def run(self) -> None:
        try:
            for method, kwargs in self.script:
                self.acknowledged[kwargs["command_id"]] = self._until_acknowledged(method, kwargs)
        except BaseException as exc:
            self.error = exc

    def _until_acknowledged(self, method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        give_up = time.monotonic() + self.deadline_s
        while True:
            try:
                result: dict[str, Any] = self.ledger.handle(COMMANDS[method](**kwargs))
                return result
            except Exception as exc:
                failure = store_error(exc)
                if failure is None or time.monotonic() > give_up:
                    raise
                self.failures.append(f"{kwargs['command_id']}: {type(failure).__name__}: {failure}")
                time.sleep(0.2)


def stored_events(ledger: BenefitLedger) -> tuple[Counter[tuple[str, int]], Counter[str]]:
    """(how many events each (aggregate, version) has, how many events of each topic): read back from the log."""
    per_version: Counter[tuple[str, int]] = Counter()
    topics: Counter[str] = Counter()
    start = 1
    while True:
        page = ledger.recorder.select_notifications(start=start, limit=1000)
        for n in page:
            per_version[(str(n.originator_id), n.originator_version)] += 1
            topics[n.topic] += 1
        if len(page) < 1000:
            return per_version, topics
        start = page[-1].id + 1


def without_replay_flag(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "replayed"}
