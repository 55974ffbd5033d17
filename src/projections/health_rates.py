"""Hainan's 慢病签约服务管理一批 rates of a county for a period, read from the dashboard's patient facts.

Facts (table `dashboard_patient_facts`, written by projections.county_dashboard):
`status:<status>` (every poverty-status record, its effective_from), `health_card`, `check_up`,
`contract`, `risk:<high_risk|ordinary>` (every classification, its date) and `follow_up` (each one).
The rates are over the county's poor patients: the status in force at the period end is one of the
programme's poor statuses.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.errors import LedgerError
from domain.policy.parameters import PolicyParameters
from projections.tables import Table
from projections.view import View

POOR_CATEGORIES = ("jiandanglika", "dibao", "tekun", "disabled_poor")  # vocabulary.PovertyStatus's poor ones


@dataclass(frozen=True)
class HealthProgramme:
    """What the county's policy says the rates are counted against."""

    poor_statuses: tuple[str, ...] = POOR_CATEGORIES
    follow_ups_per_year: Mapping[str, int] = field(default_factory=dict)  # risk class -> follow-ups a year


def programme_of(policy: PolicyParameters) -> HealthProgramme:
    """The poor statuses and the follow-up schedule a policy version sets."""
    rule = policy.health_management
    schedule = {} if rule is None else {risk.value: n for risk, n in rule.follow_ups_per_year.items()}
    return HealthProgramme(tuple(status.value for status in policy.poor_statuses), schedule)


def county_programme(ledger: Any, county_code: str, day: date) -> HealthProgramme | None:
    """The programme of the county's policy in force on `day` as known now (None: no policy published)."""
    try:
        _, policy = ledger.policy_in_force(county_code, day, datetime.now(UTC))
    except LedgerError:
        return None
    return programme_of(policy)


_FACTS = (
    "SELECT f.patient_ref, f.fact, f.subject, f.start_on FROM {facts} f JOIN {subjects} s ON s.kind = 'patient' "
    "AND s.ref = f.patient_ref WHERE s.county_code = ? AND f.start_on <= ? "
    "AND f.fact NOT IN ('follow_up', 'major', 'chronic')"
)
_FOLLOW_UPS = (
    "SELECT f.patient_ref, COUNT(*) FROM {facts} f JOIN {subjects} s ON s.kind = 'patient' AND s.ref = f.patient_ref "
    "WHERE s.county_code = ? AND f.fact = 'follow_up' AND f.start_on >= ? AND f.start_on <= ? GROUP BY f.patient_ref"
)


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _latest(records: list[tuple[str, str, str]]) -> str | None:
    """The value of the latest (start_on, order) record: (start_on, order, value) triples."""
    return max(records)[2] if records else None


def health_rates(
    view: View,
    facts: Table,
    subjects: Table,
    county_code: str,
    year: int,
    last_month: int,
    end: str,
    programme: HealthProgramme | None,
) -> dict[str, Any]:
    programme = programme or HealthProgramme()
    tables = {"facts": facts, "subjects": subjects}
    statuses: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    risks: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    card, check_up, contract = set(), set(), set()
    for patient_ref, fact, subject, start_on in view.rows(_FACTS, [county_code, end], **tables):
        start = str(start_on)
        if fact.startswith("status:"):
            statuses[patient_ref].append((start, subject, fact[len("status:") :]))
        elif fact.startswith("risk:"):
            risks[patient_ref].append((start, subject, fact[len("risk:") :]))
        elif fact == "health_card":
            card.add(patient_ref)
        elif fact == "check_up" and start >= f"{year}-01-01":
            check_up.add(patient_ref)
        elif fact == "contract":
            contract.add(patient_ref)
    follow_ups = dict(view.rows(_FOLLOW_UPS, [county_code, f"{year}-01-01", end], **tables))
    poor = {ref for ref, records in statuses.items() if _latest(records) in programme.poor_statuses}
    classified = {ref: _latest(records) for ref, records in risks.items() if ref in contract}
    scheduled = {ref: risk for ref, risk in classified.items() if risk in programme.follow_ups_per_year}
    on_schedule = sum(
        int(follow_ups.get(ref, 0)) >= math.ceil(programme.follow_ups_per_year[str(risk)] * last_month / 12)
        for ref, risk in scheduled.items()
    )
    return {
        "poor_patients": len(poor),
        "health_card_patients": len(poor & card),
        "health_card_rate": _ratio(len(poor & card), len(poor)),
        "check_up_patients": len(poor & check_up),
        "check_up_rate": _ratio(len(poor & check_up), len(poor)),
        "poor_contracted": len(poor & contract),
        "poor_contract_rate": _ratio(len(poor & contract), len(poor)),
        "high_risk_patients": sum(risk == "high_risk" for risk in classified.values()),
        "ordinary_chronic_patients": sum(risk == "ordinary" for risk in classified.values()),
        "follow_up_scheduled_patients": len(scheduled) if programme.follow_ups_per_year else None,
        "follow_up_on_schedule": on_schedule if programme.follow_ups_per_year else None,
        "follow_up_schedule_rate": _ratio(on_schedule, len(scheduled)) if programme.follow_ups_per_year else None,
    }
