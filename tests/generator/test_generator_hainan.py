"""The 琼中 (469030) generator: a seeded plan that exercises the Hainan rules, loaded through the real
commands on SQLite and PostgreSQL, settling exactly as the in-memory dry run does."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from domain.money import ZERO
from generator.__main__ import main
from generator.dryrun import dry_rows
from generator.hainan import generate_qiongzhong_year
from generator.hainan_summary import hainan_figures
from generator.load import load_plan
from generator.model import generate_county_year
from generator.summary import settlement_rows
from service.ledger import BenefitLedger


def test_the_plan_is_deterministic_and_exercises_the_hainan_rules() -> None:
    plan = generate_qiongzhong_year(3, 0.05)
    assert plan == generate_qiongzhong_year(3, 0.05)
    assert plan != generate_qiongzhong_year(4, 0.05)
    assert plan.region == "469030" and plan.prefix.startswith("QZ2018")
    assert any(p.treatment_plans for p in plan.patients)
    assert any(p.charity_grants for p in plan.patients)
    assert any(p.health_card for p in plan.patients) and any(p.check_ups for p in plan.patients)
    assert {r.risk for p in plan.patients for r in p.risk_classes} == {"high_risk", "ordinary"}
    assert generate_county_year(3, 0.01).region == "341821"  # the Langxi plan is untouched
    assert not any(p.treatment_plans or p.health_card for p in generate_county_year(3, 0.01).patients)


def test_a_loaded_plan_settles_as_the_dry_run_and_a_second_load_appends_nothing(ledger: BenefitLedger) -> None:
    plan = generate_qiongzhong_year(5, 0.03)
    report = load_plan(ledger, plan)
    assert report.settlements == len(plan.visits)
    rows = settlement_rows(ledger, plan)
    dry = dry_rows(plan)
    by_id = {claim["claim_id"]: settlement for claim, settlement in rows}
    for claim, settlement in dry:  # the same figures to the fen, layer by layer
        recorded = by_id[claim["claim_id"]]
        assert [(x["payer"], Decimal(str(x["amount"]))) for x in recorded["layers"]] == [
            (x["payer"], Decimal(str(x["amount"]))) for x in settlement["layers"]
        ]
        assert Decimal(str(recorded["hospital_borne"])) == Decimal(str(settlement["hospital_borne"]))
    for _, settlement in rows:
        assert {x["payer"] for x in settlement["layers"]} <= {"ncms", "cii", "hpsi", "ma", "charity"}
        payers = sum((Decimal(str(x["amount"])) for x in settlement["layers"]), ZERO)
        patient = Decimal(str(settlement["patient_compliant"])) + Decimal(str(settlement["patient_noncompliant"]))
        assert Decimal(str(settlement["total"])) == payers + patient + Decimal(str(settlement["hospital_borne"]))
    figures = hainan_figures(rows)
    assert figures["hpsi"] > ZERO and figures["compensation"] == sum(
        (figures[p] for p in ("ncms", "cii", "hpsi", "ma", "charity")), ZERO
    )
    handling = Counter(s["major_disease"]["handling"] for _, s in rows if s.get("major_disease"))
    assert handling["capped"] > 0
    again = load_plan(ledger, plan)
    assert again.appended == 0 and again.notifications_after == again.notifications_before


def test_the_command_line_takes_a_hainan_county(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--county", "469030", "--scale", "0.02", "--dry-run", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "健康扶贫补充保险" in out and "大病集中救治 admissions:" in out
