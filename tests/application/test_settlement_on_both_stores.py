"""The golden examples settle to the fen through the real service on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tests.application.scenario import (
    PROVINCE_HOSPITAL,
    admit_and_settle,
    paid,
    policy_variant,
    poor_patient,
    publish_default,
    worked_example,
)

from service.clock import ManualClock
from service.commands import CertifyChronicDisease, PublishPolicyVersion, RegisterAdmission
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital
from service.settings import Settings


def test_scenario_1_settles_to_the_fen(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    a, b = worked_example(ledger)
    assert [paid(a, "ncms"), paid(b, "ncms")] == [Decimal("16830.00"), Decimal("49700.00")]
    assert [paid(a, "cii"), paid(b, "cii")] == [Decimal("0.00"), Decimal("11682.00")]
    assert [paid(a, "ma"), paid(b, "ma")] == [Decimal("1085.00"), Decimal("5309.00")]
    assert [paid(a, "b351"), paid(b, "b351")] == [Decimal("0.00"), Decimal("0.00")]
    assert [a["patient_share"], b["patient_share"]] == [Decimal("2085.00"), Decimal("13309.00")]
    assert a["payer_total"] + b["payer_total"] == Decimal("84606.00")


def test_scenario_2_without_assistance_triggers_the_351_backstop(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    a, b = worked_example(ledger, status="none")  # not poor: no assistance, general CII, no 351
    assert paid(a, "ma") == paid(b, "ma") == Decimal("0.00")
    publish = policy_variant("no-ma", datetime(2017, 12, 31, 12, tzinfo=UTC), **{"ma.by_status": {}})
    ledger2_ref = "P-scenario-2"
    publish_default(ledger, publish)
    a, b = worked_example(ledger, ledger2_ref)
    assert [paid(a, "cii"), paid(b, "cii")] == [Decimal("0.00"), Decimal("11682.00")]
    assert [paid(a, "b351"), paid(b, "b351")] == [Decimal("0.00"), Decimal("2788.00")]
    assert [a["patient_share"], b["patient_share"]] == [Decimal("3170.00"), Decimal("15830.00")]
    assert a["patient_compliant"] + b["patient_compliant"] == Decimal("10000.00")


def test_chronic_outpatient_180_example(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-180")
    ledger.handle(
        CertifyChronicDisease(
            command_id="cert", patient_ref="P-180", disease="hypertension", valid_from=date(2017, 1, 1)
        )
    )
    township = {
        **PROVINCE_HOSPITAL,
        "code": "LX-T01",
        "name": "毕桥镇卫生院",
        "tier": "township",
        "county_code": "341821",
        "in_county": True,
    }
    result = admit_and_settle(
        ledger,
        "P-180",
        "P-180-V1",
        township,
        total="4000",
        compliant="4000",
        day=date(2018, 4, 2),
        kind="outpatient_chronic",
    )
    assert (paid(result, "ncms"), paid(result, "s180"), result["patient_share"]) == (
        Decimal("2400.00"),
        Decimal("1280.00"),
        Decimal("320.00"),
    )


def test_money_survives_storage_exactly(store_url: str) -> None:
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    publish_default(ledger)
    poor_patient(ledger, "P-money")
    ledger.handle(
        RegisterAdmission(
            command_id="m:reg",
            admission_ref="M1",
            patient_ref="P-money",
            kind="inpatient",
            hospital_code=ensure_hospital(ledger, PROVINCE_HOSPITAL),
            admitted_on=date(2018, 2, 1),
            referred=True,
        )
    )
    amounts = [Decimal("0.01"), Decimal("1234.50"), Decimal("99999999.99"), Decimal("0.10")]
    for n, amount in enumerate(amounts):
        ledger.handle(
            charge_line(
                command_id=f"m:{n}", admission_ref="M1", line_no=str(n), category="drug", amount=amount, compliant=True
            )
        )
    ledger.close()
    reopened = BenefitLedger.from_settings(Settings(database_url=store_url))
    stored = [reopened.get_admission("M1").lines[str(n)]["amount"] for n in range(len(amounts))]
    assert stored == amounts
    assert [a.as_tuple().exponent for a in stored] == [-2] * len(amounts)
    assert reopened.get_admission("M1").total == Decimal("100001234.60")
    reopened.close()


def test_a_reopened_ledger_replays_every_settlement_byte_for_byte(store_url: str) -> None:
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    publish_default(ledger)
    worked_example(ledger)
    before = ledger.get_benefit_year("P-2.3", 2018).settlements
    ledger.close()
    reopened = BenefitLedger.from_settings(Settings(database_url=store_url))
    assert reopened.get_benefit_year("P-2.3", 2018).settlements == before
    assert reopened.verify_benefit_year("P-2.3", 2018)["verified"] is True
    reopened.close()


def test_settlement_uses_the_version_in_force_as_recorded_by_the_server_clock(ledger: BenefitLedger) -> None:
    ledger.clock = clock = ManualClock(datetime(2018, 5, 2, 1, tzinfo=UTC))
    publish_default(ledger)
    poor_patient(ledger, "P-v")
    county = {**PROVINCE_HOSPITAL, "tier": "county", "in_county": True, "county_code": "341821"}
    early = admit_and_settle(
        ledger,
        "P-v",
        "V1",
        county,
        total="1300",
        compliant="1300",
        day=date(2018, 5, 1),
        settled_at=datetime(2018, 5, 2, tzinfo=UTC),
    )
    # Published on 2018-06-01 by the server clock (the file's published_at, 2017-12-31, is ignored),
    # effective from 2018-01-01: retroactive.
    clock.set(datetime(2018, 6, 1, tzinfo=UTC))
    richer = policy_variant("richer", datetime(2017, 12, 31, tzinfo=UTC), **{"ncms.tiers.county.ratio": "0.95"})
    published = ledger.handle(PublishPolicyVersion.of(richer, command_id="richer"))
    assert published["published_at"] == "2018-06-01T00:00:00+00:00"
    clock.set(datetime(2018, 6, 6, 2, tzinfo=UTC))
    late = admit_and_settle(
        ledger,
        "P-v",
        "V2",
        county,
        total="1300",
        compliant="1300",
        day=date(2018, 5, 30),
        settled_at=datetime(2018, 5, 31, tzinfo=UTC),  # the window says "before richer": it cannot reach back
    )
    assert (early["policy_version"], paid(early, "ncms")) == ("langxi-2018.1", Decimal("900.00"))
    assert (late["policy_version"], paid(late, "ncms")) == ("richer", Decimal("950.00"))
