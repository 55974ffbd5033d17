"""What an auditor asks of a patient-year: the year as of a recorded time, and a full re-derivation.

`benefit_year_as_of` returns exactly the numbers that had been recorded at that moment.
`verify_benefit_year` rebuilds every settlement from raw facts (the patient and admission
aggregates at the versions the settlement used, and the policy version it named) and reports
every difference to the fen.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain import ids
from domain.aggregates.admission import Admission
from domain.aggregates.benefit_year_history import BenefitYearHistory
from domain.aggregates.patient import Patient
from domain.errors import NotFoundError, ValidationError
from domain.registry.reclassification import compliant_with
from domain.rules.cascade import settle_year
from domain.rules.claim import ClaimFacts
from domain.rules.settlement import Settlement
from service.line_reclassification import reclassified_lines
from service.settlement_claims import settlement_claim

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


def benefit_year_as_of(ledger: BenefitLedger, patient_ref: str, year: int, recorded_at: datetime) -> BenefitYearHistory:
    """The patient-year exactly as recorded at `recorded_at` (the events' recorded times)."""
    if recorded_at.tzinfo is None:
        raise ValidationError("recorded_at: give a time zone (e.g. +08:00)")
    events = ledger.events.get(ids.benefit_year_id(patient_ref, year))
    history = BenefitYearHistory.fold(itertools.takewhile(lambda e: e.timestamp <= recorded_at, events))
    if history.version == 0:
        raise NotFoundError(f"no settlements for patient {patient_ref} in {year} as of {recorded_at.isoformat()}")
    return history


def verify_benefit_year(ledger: BenefitLedger, patient_ref: str, year: int) -> dict[str, Any]:
    """Re-derive every settlement from raw facts; list each difference (settlement, field, recorded, derived)."""
    account = ledger.get_benefit_year(patient_ref, year)
    differences: list[dict[str, Any]] = []
    claims = []
    current_claims: list[ClaimFacts] = []  # as re-read by the last recalculation after a late fact
    for record in account.settlements:
        patient: Patient = ledger.repository.get(ids.patient_id(patient_ref), version=record["patient_version"])
        admission: Admission = ledger.repository.get(
            ids.admission_id(record["admission_ref"]), version=record["admission_version"]
        )
        hospital = ledger.hospital_as_settled(record["hospital"], admission, patient.county_code)
        differences += _diff(record["settlement_id"], "hospital", record["hospital"], hospital)
        settled_under = Settlement.from_dict(record["settlement"]).policy_version
        policy = ledger.policy_parameters(ids.policy_version_id(account.county_code, settled_under))
        derived = settlement_claim(record["settlement_id"], admission, patient, policy, year, hospital=hospital or None)
        recorded = ClaimFacts.from_dict(record["claim"])
        differences += _diff(record["settlement_id"], "claim", recorded.to_dict(), derived.to_dict())
        claims.append(derived)
        current_claims.append(_current_claim(ledger, account, record, derived, differences))
    for label, key in (("settled", "settlement"), ("current", "current")):
        # as settled: every settlement in order; now: the active ones (a reversed one counts for nothing)
        counted = claims if key == "settlement" else current_claims
        pairs = [(c, r) for c, r in zip(counted, account.settlements) if key == "settlement" or not r.get("reversed")]
        runs = []
        for claim, record in pairs:
            version = Settlement.from_dict(record[key]).policy_version
            params = ledger.policy_parameters(ids.policy_version_id(account.county_code, version))
            runs.append((claim, params, version))
        settlements = _settled_with_reversals(account, runs) if key == "settlement" else settle_year(runs)[0]
        for settlement, (_, record) in zip(settlements, pairs):
            differences += _diff(record["settlement_id"], label, record[key], settlement.to_dict())
    return {
        "patient_ref": patient_ref,
        "year": year,
        "settlements": len(account.settlements),
        "verified": not differences,
        "differences": differences,
    }


def _current_claim(
    ledger: BenefitLedger,
    account: BenefitYearHistory,
    record: dict[str, Any],
    derived: ClaimFacts,
    differences: list[dict[str, Any]],
) -> ClaimFacts:
    """The claim a settlement counts with now, re-derived: after a recalculation that re-read the facts (a late
    fact), from the patient, admission and registry at the versions it recorded and the lines re-classified by
    the catalogue in force as of the moment it recorded; else the claim as settled."""
    facts = record.get("current_facts")
    if facts is None:
        return derived
    sid = record["settlement_id"]
    patient: Patient = ledger.repository.get(ids.patient_id(account.patient_ref), version=facts["patient_version"])
    admission: Admission = ledger.repository.get(
        ids.admission_id(record["admission_ref"]), version=facts["admission_version"]
    )
    hospital = ledger.hospital_as_settled(facts["hospital"], admission, patient.county_code)
    differences += _diff(sid, "current hospital", facts["hospital"], hospital or facts["hospital"])
    compliant = None
    if "lines" in facts:  # the lines as re-classified: the catalogue chosen again as of the same moment
        known_at = datetime.fromisoformat(str(facts["catalogue_known_at"]))
        lines = reclassified_lines(ledger, patient.county_code, admission, known_at)
        differences += _diff(sid, "current lines", facts["lines"], lines)
        compliant = compliant_with(admission.lines, lines)
    version = Settlement.from_dict(record["current"]).policy_version
    policy = ledger.policy_parameters(ids.policy_version_id(account.county_code, version))
    claim = settlement_claim(
        sid, admission, patient, policy, account.year, hospital=facts["hospital"], compliant=compliant
    )
    claim = replace(claim, charity_granted=derived.charity_granted)
    differences += _diff(sid, "current claim", record.get("current_claim", record["claim"]), claim.to_dict())
    return claim


def _settled_with_reversals(account: BenefitYearHistory, runs: list[Any]) -> list[Settlement]:
    """Each settlement as made: after a reversal (反结算, 骗保) the reversed claim no longer counted for the
    settlements made later, so each is derived from the claims that counted when it was made."""
    records = account.settlements
    if not any(r.get("reversed") for r in records):
        return settle_year(runs)[0]
    out = []
    for i in range(len(records)):
        counted = [
            j
            for j in range(i)
            if not (records[j].get("reversed") and records[j]["reversed"].get("settlements_before", 0) <= i)
        ]
        out.append(settle_year([runs[j] for j in counted] + [runs[i]])[0][-1])
    return out


def _diff(settlement_id: str, label: str, recorded: Any, derived: Any, path: str = "") -> list[dict[str, Any]]:
    if isinstance(recorded, dict) and isinstance(derived, dict):
        out = []
        for key in sorted(set(recorded) | set(derived)):
            out += _diff(settlement_id, label, recorded.get(key), derived.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(recorded, list) and isinstance(derived, list) and len(recorded) == len(derived):
        out = []
        for index, (a, b) in enumerate(zip(recorded, derived)):
            out += _diff(settlement_id, label, a, b, f"{path}[{index}]")
        return out
    if recorded != derived:
        return [
            {"settlement_id": settlement_id, "part": label, "field": path, "recorded": recorded, "derived": derived}
        ]
    return []
