"""The lean re-settlement loop (domain.rules.recalculation) records, for every patient-year, exactly what the old path
recorded: the old loop is kept below verbatim (rebuilding `Settlement` objects for the recorded settlements), run on
each year's history as it was before the region run, and compared to the RecalculationRecorded event byte for byte
(the transcoder's encoding of items and state). A small seeded county, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain import ids
from domain.money import ZERO
from domain.policy.loader import PolicyDocument, load_default_policy
from domain.policy.parameters import PolicyParameters
from domain.policy.selection import version_in_force
from domain.rules.cascade import settle_year
from domain.rules.claim import ClaimFacts
from domain.rules.settlement import Settlement
from domain.rules.year_state import YearState
from domain.vocabulary import Payer
from generator.load import load_plan
from generator.model import generate_county_year
from service.commands import PublishPolicyVersion, RecalculateForPolicy
from service.ledger import BenefitLedger
from service.settings import Settings


def old_recalculate_year(
    records: Sequence[dict[str, Any]], policies: Sequence[tuple[PolicyParameters, str]]
) -> tuple[list[dict[str, Any]], YearState]:
    """The re-settlement loop before the lean one (commit def3550), unchanged."""
    claims = [ClaimFacts.from_dict(record["claim"]) for record in records]
    new_settlements, state = settle_year((claim, params, version) for claim, (params, version) in zip(claims, policies))
    items = []
    for record, new in zip(records, new_settlements):
        original = Settlement.from_dict(record["settlement"])
        current = Settlement.from_dict(record["current"])
        items.append(
            {
                "settlement_id": record["settlement_id"],
                "policy_version_before": current.policy_version,
                "policy_version_after": new.policy_version,
                "payer_deltas": {p.value: new.paid_by(p) - current.paid_by(p) for p in Payer},
                "patient_share_original": original.patient_share,
                "patient_share_before": current.patient_share,
                "patient_share_after": new.patient_share,
                "compensation_owed": max(ZERO, original.patient_share - new.patient_share),
                "changed": _old_amounts(new) != _old_amounts(current),
                "settlement": new.to_dict(),
            }
        )
    return items, state


def _old_amounts(settlement: Settlement) -> tuple[Any, ...]:
    return (
        tuple((layer.payer, layer.amount) for layer in settlement.layers),
        settlement.hospital_borne,
        settlement.patient_compliant,
        settlement.patient_noncompliant,
    )


NEW_VERSION = "raised-2018.2"


def new_policy_version() -> PolicyDocument:
    """The default Langxi version with every NCMS ratio 3 points higher, retroactive to 1 January 2018."""
    base = load_default_policy()
    parameters = copy.deepcopy(base.parameters)
    for tier in [*parameters["ncms"]["tiers"].values(), parameters["ncms"]["outpatient_chronic"]]:
        tier["ratio"] = str(min(Decimal(1), Decimal(tier["ratio"]) + Decimal("0.03")))
    return replace(
        base,
        version=NEW_VERSION,
        effective_from=date(2018, 1, 1),
        published_at=datetime.now(UTC),
        parameters=parameters,
    )


def test_every_patient_year_records_what_the_old_loop_recorded(store_url: str) -> None:
    plan = generate_county_year(1, 0.003, 2018, 12)
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    try:
        load_plan(ledger, plan)
        ledger.handle(PublishPolicyVersion.of(new_policy_version(), command_id="publish-new"))
        years = sorted({(o.patient_ref, o.year) for o in ledger.benefit_year_openings()})
        before = {key: ledger.get_benefit_year(*key) for key in years}
        register = ledger.policy_register(plan.region)
        result = ledger.handle(RecalculateForPolicy(command_id="recalc", region=plan.region, version=NEW_VERSION))
        assert result["examined"] == len(years) > 10

        transcoder = ledger.mapper.transcoder
        owed_total, changed = Decimal("0.00"), 0
        for key in years:
            history = before[key]
            recorded_at = ledger.clock.now()  # known_at is "now": both versions are published by then
            policies = []
            for record in history.active_settlements:
                entry = version_in_force(register, date.fromisoformat(record["claim"]["service_date"]), recorded_at)
                policies.append((ledger.policy_parameters(UUID(entry["policy_version_id"])), entry["version"]))
            items, state = old_recalculate_year(history.active_settlements, policies)
            events = list(ledger.events.get(ids.benefit_year_id(*key)))
            last = events[-1]
            if not any(item["changed"] for item in items):
                assert len(events) == history.version  # nothing recorded, as before
                continue
            assert type(last).TOPIC == "ledger:BenefitYear.RecalculationRecorded"
            assert transcoder.encode(last.items) == transcoder.encode(items)
            assert transcoder.encode(last.state_after) == transcoder.encode(state.to_dict())
            changed += 1
            owed_total += sum((i["compensation_owed"] for i in items), Decimal("0.00"))
        assert changed == result["changed_count"] > 10
        assert owed_total == result["compensation_owed"]
    finally:
        ledger.close()
