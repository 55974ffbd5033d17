"""Handlers of retroactive recalculation ("5090 追溯补偿") and compensation payments.

`recalculate_for_policy` is the region engine: after a (retroactive) version is published it re-settles
every patient-year of the region the version can affect, each as its own `RecalculateBenefitYear` command
`<command_id>:<patient_ref>:<year>`, a page of patient-years per query and per transaction
(service.region_recalculation).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain import ids
from domain.aggregates.admission import Admission
from domain.aggregates.benefit_year_history import BenefitYearHistory
from domain.errors import NotFoundError, StateConflictError, ValidationError
from domain.policy.selection import version_in_force
from domain.registry.reclassification import compliant_with
from domain.rules.claim import ClaimFacts
from domain.rules.recalculation import recalculate_year
from service.commands.recalculations import PayRetroactiveCompensation, RecalculateBenefitYear, RecalculateForPolicy
from service.handlers import handles
from service.idempotency import Outcome
from service.line_reclassification import reclassified_lines
from service.region_recalculation import RegionRun, recalculate_region
from service.settlement_claims import settlement_claim

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(RecalculateBenefitYear)
def recalculate_benefit_year(ledger: BenefitLedger, cmd: RecalculateBenefitYear) -> Outcome:
    """Re-settle a patient-year under the versions in force as known at `known_at` (default now), with the
    patient's facts and the hospital registry as recorded now (late facts: a poverty status, certificate,
    major-disease confirmation or registry correction recorded after a settlement but effective before it).

    Each charge line the ledger classified is re-classified by the catalogue in force on its admission day as
    known at `known_at` (a catalogue correction published since applies; a legacy, pre-classified line keeps
    its sender's classification); each item's `facts` records the classifications used (`lines`, each naming
    its catalogue version) and the moment they were chosen as of (`catalogue_known_at`), so `verify`
    re-derives them.

    Records a RecalculationRecorded event if some settlement changes, else a RecalculationChecked event
    (the trace that the facts were re-read: the year is no longer pending recalculation); the result lists,
    per settlement, each payer's delta and the compensation owed to the patient.
    """
    return _recalculated(ledger, cmd, refresh_facts=True)


def check_known_at(ledger: BenefitLedger, known_at: datetime | None) -> None:
    """A client's `known_at` may not run ahead of the server clock by more than LEDGER_CLOCK_TOLERANCE_S
    (versions "published by then" would include ones not yet published)."""
    if known_at is None:
        return
    now = ledger.clock.now()
    if known_at > now + ledger.clock_tolerance:
        raise ValidationError(
            f"known_at: {known_at.isoformat()} is in the future (server time {now.isoformat()}, tolerance "
            f"{int(ledger.clock_tolerance.total_seconds())} s)"
        )


def _refreshed(
    ledger: BenefitLedger,
    folded: BenefitYearHistory,
    active: list[dict[str, Any]],
    policies: list[Any],
    known_at: datetime,
) -> list[dict[str, Any]]:
    """The active settlement records with their claims re-derived from the patient as recorded now, the
    hospital registry as recorded now and the admission's lines re-classified by the catalogue as known at
    `known_at` (the admission as it was settled; charity grants as frozen)."""
    patient = ledger.get_patient(folded.patient_ref)
    out = []
    for record, (params, _) in zip(active, policies):
        admission: Admission = ledger.repository.get(
            ids.admission_id(record["admission_ref"]), version=record["admission_version"]
        )
        try:
            hospital = ledger.hospital_at_settlement(admission, patient.county_code)
        except (StateConflictError, NotFoundError):  # closed or never registered: as settled
            hospital = dict(record["hospital"])
        frozen = ClaimFacts.from_dict(record["claim"])
        lines = reclassified_lines(ledger, patient.county_code, admission, known_at)
        compliant = compliant_with(admission.lines, lines) if lines else None
        claim = settlement_claim(
            record["settlement_id"], admission, patient, params, folded.year, hospital=hospital, compliant=compliant
        )
        claim = replace(claim, charity_granted=frozen.charity_granted)
        facts: dict[str, Any] = {
            "patient_version": patient.version,
            "admission_version": record["admission_version"],
            "hospital": hospital,
        }
        if lines:
            facts |= {"lines": lines, "catalogue_known_at": known_at.isoformat()}
        out.append({**record, "current_claim": claim.to_dict(), "facts": facts})
    return out


def _check_facts(active: list[dict[str, Any]]) -> dict[str, Any]:
    """What a recalculation that changed nothing read: the patient's version and, per settlement with
    catalogue-classified lines, the catalogue version each line was re-classified by."""
    facts: dict[str, Any] = {"patient_version": active[0]["facts"]["patient_version"] if active else 0}
    versions = {
        record["settlement_id"]: _versions(record["facts"]["lines"]) for record in active if "lines" in record["facts"]
    }
    if versions:
        facts["catalogue_versions"] = versions
    return facts


def _line_versions(item: dict[str, Any]) -> dict[str, Any]:
    """A result item names the catalogue version each re-classified line used (none: no such line)."""
    lines = (item.get("facts") or {}).get("lines")
    return {"catalogue_versions": _versions(lines)} if lines else {}


def _versions(lines: dict[str, Any]) -> dict[str, str]:
    """Line number -> the catalogue version it was re-classified by."""
    return {n: c["catalogue_version"] for n, c in lines.items()}


def _recalculated(
    ledger: BenefitLedger,
    cmd: RecalculateBenefitYear,
    entries: list[dict[str, str]] | None = None,
    history: BenefitYearHistory | None = None,
    *,
    refresh_facts: bool = False,
) -> Outcome:
    """`entries`: the region's policy register, read once by a whole-region run; `history`: the year
    already folded by the caller (used if the account has not moved on since). `refresh_facts`: re-read the
    patient's facts and the registry (a single patient-year's recalculation); a region run re-settles the
    claims as they currently count."""
    check_known_at(ledger, cmd.known_at)
    known_at = cmd.known_at or ledger.clock.now()
    account = ledger.benefit_year_account(cmd.patient_ref, cmd.year)
    folded = (
        history
        if history is not None and history.version == account.version
        else ledger.get_benefit_year(cmd.patient_ref, cmd.year, version=account.version)
    )
    register = entries if entries is not None else ledger.policy_register(account.county_code)
    policies = []
    active = folded.active_settlements  # a reversed settlement (反结算, 骗保) no longer counts
    for record in active:
        entry = version_in_force(register, date.fromisoformat(record["claim"]["service_date"]), known_at)
        policies.append((ledger.policy_parameters(UUID(entry["policy_version_id"])), entry["version"]))
    if refresh_facts:
        # the catalogue as known at known_at, but never later than now: a version published after this moment
        # (within a future known_at's tolerance) was not read, and verify must not read it either
        active = _refreshed(ledger, folded, active, policies, min(known_at, ledger.clock.now()))
    items, state_after = recalculate_year(active, policies)
    recorded = account.record_recalculation(items, state_after, cmd.reason, known_at.isoformat())
    if refresh_facts and not recorded:
        account.record_check(cmd.reason, known_at.isoformat(), _check_facts(active))
    summary = [
        {k: v for k, v in item.items() if k not in ("settlement", "claim", "facts")} | _line_versions(item)
        for item in items
    ]
    return Outcome(
        [account] if recorded or refresh_facts else [],
        {"patient_ref": cmd.patient_ref, "year": cmd.year, "changed": recorded, "items": summary},
    )


@handles(RecalculateForPolicy)
def recalculate_for_policy(ledger: BenefitLedger, cmd: RecalculateForPolicy) -> Outcome:
    """After publishing a version, recalculate every patient-year of the region it can affect.

    Idempotent as a whole (a retry returns the first result) and patient-year by patient-year
    (each is its own command `<command_id>:<patient>:<year>`), so a retry after a partial
    failure finishes the rest without redoing what was done. Patient-years are read and saved a
    page at a time, over a pool of processes on PostgreSQL (service.region_recalculation); a page
    that collides with a concurrent settlement is redone patient-year by patient-year. The result
    counts every change and totals the compensation owed; it lists at most `CHANGED_LISTED_MAX` of
    them (the retro_compensation read model has all).
    """
    check_known_at(ledger, cmd.known_at)
    published = ledger.get_policy_version(cmd.region, cmd.version)
    run = RegionRun(
        command_id=cmd.command_id,
        known_at=cmd.known_at,
        reason=f"policy {cmd.region}/{cmd.version} published",
        effective_from=date.fromisoformat(published.effective_from).isoformat(),
        entries=ledger.policy_register(cmd.region),
    )
    summary = recalculate_region(ledger, run, cmd.region, _recalculated)
    known_at = cmd.known_at or ledger.clock.now()
    published.record_region_run(known_at.isoformat(), summary.examined, summary.changed_count)
    return Outcome(
        [published],
        {
            "region": cmd.region,
            "version": cmd.version,
            "examined": summary.examined,
            "changed_count": summary.changed_count,
            "compensation_owed": summary.owed_total,
            "changed": summary.changed,
        },
    )


def check_not_in_open_run(ledger: BenefitLedger, county_code: str, patient_ref: str, year: int, sid: str) -> None:
    """A 409 naming the run when the settlement's "5090" compensation is in a payment run the bank has not
    answered yet (paying it directly too could pay it twice)."""
    from domain.payment_selection import item_key
    from service.handlers.payments import fund_budget

    try:
        budget = fund_budget(ledger, "s5090", county_code, year)
    except NotFoundError:
        return
    key = item_key(patient_ref, year, sid)
    for run_id, items in sorted(budget.pending.items()):
        if key in items:
            raise StateConflictError(
                f"the compensation of {sid} is in open payment run {run_id} (not yet answered by the bank): "
                "record the bank's result first"
            )


@handles(PayRetroactiveCompensation)
def pay_retroactive_compensation(ledger: BenefitLedger, cmd: PayRetroactiveCompensation) -> Outcome:
    """追溯补偿金 paid directly to the patient; closes (part of) what a recalculation made owed."""
    account = ledger.benefit_year_account(cmd.patient_ref, cmd.year)
    check_not_in_open_run(ledger, account.county_code, cmd.patient_ref, cmd.year, cmd.settlement_id)
    account.pay_retroactive_compensation(cmd.settlement_id, cmd.amount, cmd.paid_on.isoformat(), cmd.reference)
    return Outcome(
        [account],
        {"settlement_id": cmd.settlement_id, "outstanding": account.compensation_outstanding(cmd.settlement_id)},
    )
