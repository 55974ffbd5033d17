"""The ledger, not the payee, decides: tier and flags from the hospital registry in force on the service
date, compliance from the catalogue; legacy pre-classified lines are admin-only and marked; one name per
hospital on the dashboards. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from tests.application.scenario import poor_patient, publish_default
from tests.projections.builders import catch_up

from cli.output import year_lines
from domain.errors import AlreadyExistsError, NotFoundError, ValidationError
from projections import hospital_ledger
from projections.store import ViewStore
from service.commands import (
    ChangeHospital,
    Discharge,
    PostChargeLine,
    PostLegacyChargeLine,
    RegisterAdmission,
    RegisterHospital,
    SettleAdmission,
)
from service.ledger import BenefitLedger
from service.roles import Role, commands_by_role

D = Decimal


def _settled_at(discharged: date) -> datetime:
    """At the window on the discharge day (10:00 CST): within the settlement time rules."""
    return datetime.combine(discharged, time(2), UTC)


def _register(ledger: BenefitLedger) -> None:
    ledger.handle(
        RegisterHospital(
            command_id="h:LX-X",
            hospital_code="LX-X",
            name="郎溪县某医院",
            tier="county",
            county_code="341821",
            township="建平镇",
            effective_from=date(2016, 1, 1),
        )
    )


def _admission(ledger: BenefitLedger, ref: str, admitted: date, discharged: date, lines: list[tuple[str, str, str]]):
    ledger.handle(
        RegisterAdmission(
            command_id=f"{ref}:r", admission_ref=ref, patient_ref="P", hospital_code="LX-X", admitted_on=admitted
        )
    )
    for n, (item, quantity, price) in enumerate(lines, 1):
        ledger.handle(
            PostChargeLine(
                command_id=f"{ref}:l{n}",
                admission_ref=ref,
                line_no=str(n),
                item_code=item,
                quantity=quantity,
                unit_price=price,
            )
        )
    ledger.handle(Discharge(command_id=f"{ref}:d", admission_ref=ref, discharged_on=discharged))
    return ledger.handle(SettleAdmission(command_id=f"{ref}:s", admission_ref=ref, settled_at=_settled_at(discharged)))


def test_tier_and_flags_are_the_registrys_in_force_on_the_service_date(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P")
    _register(ledger)
    ledger.handle(
        ChangeHospital(command_id="h:LX-X:city", hospital_code="LX-X", effective_from=date(2018, 6, 1), tier="city")
    )
    before = _admission(ledger, "A1", date(2018, 3, 1), date(2018, 3, 5), [("G-TREATMENT", "1", "10000")])
    # admitted before the change, discharged after it: the service date decides
    after = _admission(ledger, "A2", date(2018, 5, 30), date(2018, 6, 2), [("G-TREATMENT", "1", "10000")])
    history = ledger.get_benefit_year("P", 2018)
    first, second = history.settlements
    assert (first["hospital"]["tier"], first["claim"]["tier"], first["claim"]["in_county"]) == (
        "county",
        "county",
        True,
    )
    assert (second["hospital"]["tier"], second["claim"]["tier"], second["claim"]["in_county"]) == (
        "city",
        "city",
        False,
    )
    ncms = [next(la for la in r["layers"] if la["payer"] == "ncms") for r in (before, after)]
    assert ncms[0]["ratio"] != ncms[1]["ratio"]  # county and city hospitals reimburse at different ratios
    verified = ledger.verify_benefit_year("P", 2018)
    assert verified["verified"], verified


def test_unknown_and_not_yet_effective_hospitals_are_refused_and_write_nothing(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P")
    head = ledger.recorder.max_notification_id()
    admit = {"admission_ref": "A", "patient_ref": "P", "admitted_on": date(2018, 3, 1)}
    with pytest.raises(NotFoundError, match="no hospital LX-X in the registry"):
        ledger.handle(RegisterAdmission(command_id="a", hospital_code="LX-X", **admit))
    ledger.handle(
        RegisterHospital(
            command_id="h",
            hospital_code="LX-X",
            name="x",
            tier="township",
            county_code="341821",
            effective_from=date(2019, 1, 1),
        )
    )
    head = ledger.recorder.max_notification_id()
    with pytest.raises(ValidationError, match=r"not in force on 2018-03-01 .*registered from 2019-01-01"):
        ledger.handle(RegisterAdmission(command_id="a", hospital_code="LX-X", **admit))
    with pytest.raises(ValidationError, match="an out_of_province hospital cannot be in_province"):
        RegisterHospital(
            command_id="h2",
            hospital_code="Y",
            name="y",
            tier="out_of_province",
            county_code="1",
            effective_from=date(2016, 1, 1),
        )
    with pytest.raises(AlreadyExistsError, match="already registered"):
        ledger.handle(
            RegisterHospital(
                command_id="h3",
                hospital_code="LX-X",
                name="x",
                tier="county",
                county_code="1",
                effective_from=date(2016, 1, 1),
            )
        )
    assert ledger.recorder.max_notification_id() == head


def test_the_catalogue_decides_what_is_compliant_and_the_replay_says_why_per_line(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P")
    _register(ledger)
    lines = [
        ("331001001", "1", "2800.00"),  # class A operation at its limit: 2,800.00 compliant
        ("120100001", "7", "35.00"),  # bed, limit 30.00: 210.00 compliant, 35.00 超限价
        ("XJ01DD04", "10", "30.00"),  # class B, limit 28.00, 10 % first: 20.00 over, 28.00 self-pay, 252.00
        ("XB05AA01", "2", "450.00"),  # self-pay item: 900.00 out of catalogue
        ("LOCAL-999", "1", "66.60"),  # unknown code: out of catalogue, said so
    ]
    result = _admission(ledger, "A1", date(2018, 3, 1), date(2018, 3, 8), lines)
    assert (D(result["total"]), D(result["compliant"])) == (D("4311.60"), D("3262.00"))
    admission = ledger.get_admission("A1")
    parts = {n: line["classification"] for n, line in admission.lines.items()}
    assert (parts["2"]["over_limit"], parts["3"]["self_pay"], parts["3"]["over_limit"]) == (
        D("35.00"),
        D("28.00"),
        D("20.00"),
    )
    assert parts["5"]["reason"] == "LOCAL-999 is not in catalogue langxi-catalogue-2016.1: out of catalogue"
    assert {p["catalogue_version"] for p in parts.values()} == {"langxi-catalogue-2016.1"}
    text = "\n".join(year_lines(ledger.get_benefit_year("P", 2018), lambda ref: ledger.get_admission(ref).lines))
    assert "line 2 120100001 x 7 @ 35.00 = 245.00: compliant 210.00, 超限价 35.00" in text
    assert "LOCAL-999 is not in catalogue langxi-catalogue-2016.1: out of catalogue" in text


def test_legacy_pre_classified_lines_are_admin_only_and_marked_in_every_replay(ledger: BenefitLedger) -> None:
    assert "post_legacy_charge_line" in commands_by_role()[Role.ADMIN]
    assert "post_legacy_charge_line" not in commands_by_role()[Role.HOSPITAL]
    publish_default(ledger)
    poor_patient(ledger, "P")
    _register(ledger)
    ledger.handle(
        RegisterAdmission(
            command_id="r", admission_ref="A", patient_ref="P", hospital_code="LX-X", admitted_on=date(2018, 3, 1)
        )
    )
    ledger.handle(
        PostLegacyChargeLine(
            command_id="l", admission_ref="A", line_no="1", category="treatment", amount="5000", compliant=True
        )
    )
    ledger.handle(Discharge(command_id="d", admission_ref="A", discharged_on=date(2018, 3, 2)))
    result = ledger.handle(SettleAdmission(command_id="s", admission_ref="A", settled_at=_settled_at(date(2018, 3, 2))))
    assert D(result["compliant"]) == D("5000.00")
    assert ledger.get_admission("A").lines["1"]["legacy"] is True
    text = "\n".join(year_lines(ledger.get_benefit_year("P", 2018), lambda ref: ledger.get_admission(ref).lines))
    assert "line 1 treatment 5,000.00 compliant: legacy line, pre-classified by its sender" in text


def test_one_name_per_hospital_on_the_dashboards(ledger: BenefitLedger, views: ViewStore) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P")
    _register(ledger)
    _admission(ledger, "A1", date(2018, 3, 1), date(2018, 3, 5), [("G-TREATMENT", "1", "1000")])
    ledger.handle(
        ChangeHospital(
            command_id="rename", hospital_code="LX-X", effective_from=date(2018, 6, 1), name="郎溪县第二人民医院"
        )
    )
    _admission(ledger, "A2", date(2018, 7, 1), date(2018, 7, 5), [("G-TREATMENT", "1", "1000")])
    ledger.handle(
        ChangeHospital(command_id="rename-2", hospital_code="LX-X", effective_from=date(2018, 9, 1), name="郎溪县医院")
    )
    catch_up(ledger, views)
    [row] = hospital_ledger(views, "LX-X")
    assert (row["name"], row["settlements"]) == ("郎溪县医院", 2)
    assert ledger.get_registered_hospital("LX-X").latest.name == "郎溪县医院"
