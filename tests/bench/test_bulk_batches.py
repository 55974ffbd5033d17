"""The bulk bench's batches keep every patient's visits in settlement order (no database needed).

A settlement before its patient-year's previous one is refused, so batches grouped by hospital must not
hand a patient's later visit at one hospital to the store before an earlier visit at another."""

from __future__ import annotations

from bench.bulk import hospital_batches
from bench.workload import county_plan, visit_commands


def test_batches_in_order_hold_each_patients_visits_in_plan_order() -> None:
    plan = county_plan(0.05)
    visits = plan.visits[:400]
    settle_ids = [c.command_id for v in visits for c in visit_commands(v) if c.name == "settle_admission"]
    batches = hospital_batches(visits, 200)
    sent = [c.command_id for b in batches for c in b.commands if c.name == "settle_admission"]
    assert sorted(sent) == sorted(settle_ids)  # every visit once
    patient_of = {c.command_id: v.patient_ref for v in visits for c in visit_commands(v)}
    for patient in {v.patient_ref for v in visits}:
        planned = [i for i in settle_ids if patient_of[i] == patient]
        assert [i for i in sent if patient_of[i] == patient] == planned
    crossing = {v.patient_ref for v in visits} - {
        p for p in {v.patient_ref for v in visits} if len({v.hospital.code for v in visits if v.patient_ref == p}) == 1
    }
    assert crossing  # the plan has patients seen at two hospitals: the case the ordering is for
    for batch in batches:
        assert {patient_of[c.command_id] for c in batch.commands} == batch.patients
        assert len(batch.commands) <= 200
