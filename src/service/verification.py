"""`ledger verify`: every check over the whole store (or one patient-year), every finding listed.

    report = verify_ledger(ledger)                       # every stream, every patient-year, every admission
    report = verify_ledger(ledger, only=("P-2.3", 2018))  # one patient-year, its streams and its admissions

Checks, each of which runs whatever the others found (a stream that no longer loads is a finding of
its own, never an error that stops the run):

  chain         every stream's hash chain against the raw rows (service.tamper_evidence)
  settlement    each settlement re-derived from the patient and admission it was computed from, to the fen
  accumulators  the year's accumulators re-derived from its settlements' recorded claim facts, event by
                event (each SettlementRecorded / RecalculationRecorded `state_after`) and against the
                state the next settlement would start from (the aggregate as loaded, snapshots included)
  admission     each admission's settlements (Admission.Settled: settlement id and patient-year) against
                the patient-year's settlement list, both ways (a patient-year's last settlement deleted
                with its chain row leaves no hole in the chain, but its admission still names it)
  unreadable    a stream or event that cannot be read back (a version missing, a row that no longer decodes)
  pending       a patient-year with a late fact not yet applied (a fact recorded after a settlement but
                effective on or before its service date, no recalculation since: the
                `recalculations_pending` read model, caught up first; run `ledger recalculate --pending`).
                Checked when the caller gives the view store (`views`), as `ledger verify` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain import ids
from domain.errors import NotFoundError
from domain.rules.cascade import settle_claim, settle_year
from domain.rules.claim import ClaimFacts
from domain.rules.year_state import YearState
from service.tamper_evidence import verify_chains

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

CHAIN, SETTLEMENT, ACCUMULATORS, ADMISSION, UNREADABLE, PENDING = (
    "chain",
    "settlement",
    "accumulators",
    "admission",
    "unreadable",
    "pending",
)
OPENED = "ledger:BenefitYear.Opened"
SETTLED = "ledger:Admission.Settled"
_PAGE = 1000


@dataclass(frozen=True)
class Finding:
    check: str  # chain | settlement | accumulators | admission | unreadable | pending
    subject: str  # a stream id, "PATIENT/YEAR" or an admission ref
    detail: str  # one line


@dataclass
class VerificationReport:
    streams_checked: int = 0
    events_checked: int = 0
    chain_keyed: bool = False
    patient_years: int = 0
    settlements: int = 0
    admissions: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def of(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "streams_checked": self.streams_checked,
            "events_checked": self.events_checked,
            "chain_keyed": self.chain_keyed,
            "patient_years": self.patient_years,
            "settlements": self.settlements,
            "admissions": self.admissions,
            "findings": [asdict(f) for f in self.findings],
        }


def verify_ledger(
    ledger: BenefitLedger,
    *,
    only: tuple[str, int] | None = None,
    on_year: Callable[[int, int], None] | None = None,
    views: Any = None,
) -> VerificationReport:
    """Run every check; `only` limits it to one patient-year. `on_year(done, total)` reports progress.
    `views`: the projections' view store, for the pending check (late facts not yet applied)."""
    report = VerificationReport()
    if only is not None and not list(ledger.events.get(ids.benefit_year_id(*only), limit=1)):
        raise NotFoundError(f"no settlements for patient {only[0]} in {only[1]}")
    settled_by_admissions = _admission_settlements(ledger, report, only)
    years = [only] if only is not None else list(_patient_years(ledger, report))
    streams: set[UUID] | None = set() if only is not None else None
    listed: set[tuple[str, str]] = set()  # (patient-year id, settlement id) the years list
    for done, (patient_ref, year) in enumerate(years, start=1):
        listed |= _check_year(ledger, report, patient_ref, year, streams)
        if on_year is not None:
            on_year(done, len(years))
    report.patient_years = len(years)
    if streams is not None:
        streams |= {UUID(admission) for admission in settled_by_admissions.values()}
    _cross_check(ledger, report, settled_by_admissions, listed)
    chains = verify_chains(ledger, originator_ids=None if streams is None else sorted(streams, key=str))
    report.streams_checked, report.events_checked, report.chain_keyed = (
        chains.streams_checked,
        chains.events_checked,
        chains.keyed,
    )
    report.findings[:0] = [
        Finding(CHAIN, p.originator_id, f"version {p.version}: {p.kind}: {p.detail}") for p in chains.problems
    ]
    if views is not None:
        report.findings += _pending(ledger, views, only)
    return report


def _pending(ledger: BenefitLedger, views: Any, only: tuple[str, int] | None) -> list[Finding]:
    """Every patient-year with a late fact not yet applied, one finding per fact."""
    from projections.recalculations_pending import pending_years
    from service.pending_recalculation import catch_up_pending

    catch_up_pending(ledger, views)
    findings = []
    for item in pending_years(views):
        if only is not None and (item["patient_ref"], item["year"]) != only:
            continue
        for reason in item["reasons"]:
            findings.append(
                Finding(
                    PENDING,
                    f"{item['patient_ref']}/{item['year']}",
                    f"pending recalculation: {reason['detail']} (effective {reason['effective_on']}, recorded "
                    f"{reason['recorded_at']}) after {reason['settlements']} settlement(s) from "
                    f"{reason['first_service_date']}; run: ledger recalculate --pending",
                )
            )
    return findings


# ---- patient-years ------------------------------------------------------------------------------
def _patient_years(ledger: BenefitLedger, report: VerificationReport) -> Iterator[tuple[str, int]]:
    for notification in _notifications(ledger, OPENED):
        try:
            opened: Any = ledger.mapper.to_domain_event(notification)
        except Exception as exc:
            report.findings.append(
                Finding(UNREADABLE, str(notification.originator_id), f"its Opened event does not decode: {_why(exc)}")
            )
            continue
        yield opened.patient_ref, opened.year


def _check_year(
    ledger: BenefitLedger, report: VerificationReport, patient_ref: str, year: int, streams: set[UUID] | None
) -> set[tuple[str, str]]:
    subject = f"{patient_ref}/{year}"
    year_id = ids.benefit_year_id(patient_ref, year)
    try:
        events: list[Any] = list(ledger.events.get(year_id))
    except Exception as exc:
        report.findings.append(Finding(UNREADABLE, subject, f"its events do not decode: {_why(exc)}"))
        return set()
    if streams is not None:
        streams.add(year_id)
        streams.add(ids.patient_id(patient_ref))
    versions = [e.originator_version for e in events]
    if versions != list(range(1, len(versions) + 1)):
        missing = sorted(set(range(1, max(versions, default=0) + 1)) - set(versions))
        report.findings.append(Finding(UNREADABLE, subject, f"versions missing from its stream: {missing}"))
    settlement_ids = [e.settlement_id for e in events if type(e).TOPIC.endswith(".SettlementRecorded")]
    report.settlements += len(settlement_ids)
    if streams is not None:
        for e in events:
            if type(e).TOPIC.endswith(".SettlementRecorded"):
                streams.add(ids.admission_id(e.admission_ref))
    for check, run in ((SETTLEMENT, _settlements), (ACCUMULATORS, _accumulators)):
        try:
            report.findings += run(ledger, subject, patient_ref, year, events)
        except Exception as exc:
            report.findings.append(Finding(UNREADABLE, subject, f"{check} check could not run: {_why(exc)}"))
    return {(str(year_id), settlement_id) for settlement_id in settlement_ids}


def _settlements(ledger: BenefitLedger, subject: str, patient_ref: str, year: int, events: list[Any]) -> list[Finding]:
    report = ledger.verify_benefit_year(patient_ref, year)
    return [
        Finding(
            SETTLEMENT,
            subject,
            f"{d['settlement_id']} {d['part']} {d['field']}: recorded {d['recorded']} derived {d['derived']}",
        )
        for d in report["differences"]
    ]


def _accumulators(ledger: BenefitLedger, subject: str, patient_ref: str, year: int, events: list[Any]) -> list[Finding]:
    """Fold the year's events, re-settling its recorded claim facts; compare every recorded state_after."""
    findings: list[Finding] = []
    county = next((e.county_code for e in events if type(e).TOPIC.endswith(".Opened")), None)
    runs: list[list[Any]] = []  # [claim, policy version] per settlement, in order
    state = YearState()

    def params(version: str) -> Any:
        return ledger.policy_parameters(ids.policy_version_id(str(county), version))

    for e in events:
        kind = type(e).TOPIC.rsplit(".", 1)[-1]
        if kind == "SettlementRecorded":
            runs.append([ClaimFacts.from_dict(e.claim), e.policy_version])
            _, state = settle_claim(runs[-1][0], state, params(e.policy_version), e.policy_version)
        elif kind == "RecalculationRecorded":
            for run, item in zip(runs, e.items):
                run[1] = item["policy_version_after"]
                if "claim" in item:  # re-read after a late fact
                    run[0] = ClaimFacts.from_dict(item["claim"])
            _, state = settle_year((claim, params(version), version) for claim, version in runs)
        else:
            continue
        where = f"version {e.originator_version} ({kind}" + (f" {e.settlement_id})" if kind[0] == "S" else ")")
        findings += _state_diff(subject, where, YearState.from_dict(e.state_after), state)
    last = events[-1].originator_version if events else 0
    if last:
        try:  # the state the next settlement starts from (snapshot + events); a given version skips the cache
            loaded: Any = ledger.repository.get(ids.benefit_year_id(patient_ref, year), version=last)
        except Exception as exc:
            findings.append(Finding(UNREADABLE, subject, f"the account does not load at version {last}: {_why(exc)}"))
        else:
            findings += _state_diff(subject, f"the loaded account at version {last}", loaded.year_state, state)
    return findings


def _state_diff(subject: str, where: str, recorded: YearState, derived: YearState) -> list[Finding]:
    out = []
    for key in sorted(set(recorded.amounts) | set(derived.amounts)):
        if recorded.amounts.get(key) != derived.amounts.get(key):
            out.append(
                Finding(
                    ACCUMULATORS,
                    subject,
                    f"{where}: {key}: recorded {recorded.amounts.get(key)} derived {derived.amounts.get(key)}",
                )
            )
    for key in sorted(set(recorded.labels) | set(derived.labels)):
        if recorded.labels.get(key) != derived.labels.get(key):
            out.append(
                Finding(
                    ACCUMULATORS,
                    subject,
                    f"{where}: {key}: recorded {recorded.labels.get(key)} derived {derived.labels.get(key)}",
                )
            )
    return out


# ---- admissions against their patient-years -----------------------------------------------------
def _admission_settlements(
    ledger: BenefitLedger, report: VerificationReport, only: tuple[str, int] | None
) -> dict[tuple[str, str], str]:
    """(patient-year id, settlement id) -> admission ref, from every Admission.Settled event in the log."""
    wanted = None if only is None else str(ids.benefit_year_id(*only))
    found: dict[tuple[str, str], str] = {}
    admissions: set[str] = set()
    for notification in _notifications(ledger, SETTLED):
        try:
            settled: Any = ledger.mapper.to_domain_event(notification)
        except Exception as exc:
            report.findings.append(
                Finding(
                    UNREADABLE,
                    str(notification.originator_id),
                    f"an Admission.Settled event does not decode: {_why(exc)}",
                )
            )
            continue
        if wanted is not None and str(settled.benefit_year_id) != wanted:
            continue
        admissions.add(str(settled.originator_id))
        found[(str(settled.benefit_year_id), settled.settlement_id)] = str(settled.originator_id)
    report.admissions = len(admissions)
    return found


def _cross_check(
    ledger: BenefitLedger,
    report: VerificationReport,
    by_admissions: dict[tuple[str, str], str],
    by_years: set[tuple[str, str]],
) -> None:
    for key in sorted(set(by_admissions) - by_years):
        year_id, settlement_id = key
        admission = _admission_ref(ledger, by_admissions[key])
        report.findings.append(
            Finding(
                ADMISSION,
                admission,
                f"admission {admission} was settled as {settlement_id} in patient-year {year_id}, "
                "which does not list that settlement (its settlement event is gone)",
            )
        )
    for year_id, settlement_id in sorted(by_years - set(by_admissions)):
        report.findings.append(
            Finding(
                ADMISSION,
                year_id,
                f"patient-year {year_id} lists settlement {settlement_id}, which no admission records as settled",
            )
        )


def _admission_ref(ledger: BenefitLedger, admission_id: str) -> str:
    """The admission's own ref (from its first event), else its stream id."""
    try:
        first = next(iter(ledger.events.get(UUID(admission_id), limit=1)), None)
    except Exception:
        return admission_id
    return str(getattr(first, "admission_ref", None) or admission_id)


def _notifications(ledger: BenefitLedger, topic: str) -> Iterator[Any]:
    start = 1
    while True:
        page = ledger.recorder.select_notifications(start=start, limit=_PAGE, topics=[topic])
        yield from page
        if len(page) < _PAGE:
            return
        start = page[-1].id + 1


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__
