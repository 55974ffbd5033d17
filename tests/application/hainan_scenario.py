"""Builders for 琼中 (469030) scenarios through the real service commands."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tests.application.scenario import poor_patient

from domain.policy.loader import load_default_policy
from service.commands import (
    ConfirmMajorDisease,
    Discharge,
    PublishPolicyVersion,
    RecordCharityGrant,
    RecordTreatmentPlan,
    RegisterAdmission,
    SettleAdmission,
)
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital

QIONGZHONG = "469030"
QZ_COUNTY_HOSPITAL = {
    "code": "QZ-001",
    "name": "琼中县人民医院",
    "tier": "county",
    "county_code": QIONGZHONG,
    "in_county": True,
    "in_province": True,
    "designated": True,
}
TUMOUR_HOSPITAL = {  # 省肿瘤医院: the policy's designated centre for the four cancers
    "code": "HN-TUMOUR",
    "name": "海南省肿瘤医院",
    "tier": "province",
    "county_code": "460100",
    "in_county": False,
    "in_province": True,
    "designated": True,
}
PEOPLE_HOSPITAL = {  # 省人民医院: a designated centre, but for 儿童白血病 and 重型地中海贫血 only
    "code": "HN-PEOPLE",
    "name": "海南省人民医院",
    "tier": "province",
    "county_code": "460100",
    "in_county": False,
    "in_province": True,
    "designated": True,
}
CITY_HOSPITAL = {  # designated for basic insurance, a centre for no programme disease
    "code": "HN-SANYA-1",
    "name": "三亚市人民医院",
    "tier": "city",
    "county_code": "460200",
    "in_county": False,
    "in_province": True,
    "designated": True,
}


def publish_hainan(ledger: BenefitLedger) -> None:
    document = load_default_policy(QIONGZHONG)
    ledger.handle(PublishPolicyVersion.of(document, command_id=f"policy:{document.version}"))


def hainan_patient(ledger: BenefitLedger, ref: str, *, status: str = "jiandanglika", year: int = 2018) -> None:
    poor_patient(ledger, ref, status=status, year=year, county=QIONGZHONG)


def confirm_and_plan(
    ledger: BenefitLedger, ref: str, disease: str = "esophageal_cancer", treatment: str | None = "surgery"
) -> None:
    ledger.handle(
        ConfirmMajorDisease(
            command_id=f"{ref}:major:{disease}", patient_ref=ref, disease=disease, confirmed_on=date(2018, 4, 2)
        )
    )
    if treatment is not None:
        ledger.handle(
            RecordTreatmentPlan(
                command_id=f"{ref}:plan:{disease}",
                patient_ref=ref,
                disease=disease,
                treatment=treatment,
                decided_on=date(2018, 4, 20),
                expert_group="琼中县大病专家组",
            )
        )


def grant(ledger: BenefitLedger, ref: str, grant_ref: str, amount: str, *, year: int = 2018) -> dict:
    return ledger.handle(
        RecordCharityGrant(
            command_id=f"{ref}:grant:{grant_ref}",
            patient_ref=ref,
            grant_ref=grant_ref,
            year=year,
            amount=Decimal(amount),
            granted_on=date(2018, 5, 2),
            donor="海南省慈善总会",
        )
    )


def admit_and_settle_hainan(
    ledger: BenefitLedger,
    ref: str,
    admission_ref: str,
    hospital: dict,
    *,
    total: str,
    compliant: str,
    day: date,
    diagnosis: str = "",
    referred: bool = False,
) -> dict:
    ledger.handle(
        RegisterAdmission(
            command_id=f"{admission_ref}:register",
            admission_ref=admission_ref,
            patient_ref=ref,
            kind="inpatient",
            hospital_code=ensure_hospital(ledger, hospital),
            admitted_on=day,
            referred=referred,
            diagnosis=diagnosis,
        )
    )
    lines = [("1", Decimal(compliant), True), ("2", Decimal(total) - Decimal(compliant), False)]
    for line_no, amount, compliant_line in lines:
        if amount:
            ledger.handle(
                charge_line(
                    command_id=f"{admission_ref}:line:{line_no}",
                    admission_ref=admission_ref,
                    line_no=line_no,
                    category="treatment" if compliant_line else "drug",
                    amount=amount,
                    compliant=compliant_line,
                )
            )
    ledger.handle(Discharge(command_id=f"{admission_ref}:discharge", admission_ref=admission_ref, discharged_on=day))
    settled_at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)  # at discharge
    return ledger.handle(
        SettleAdmission(command_id=f"{admission_ref}:settle", admission_ref=admission_ref, settled_at=settled_at)
    )


def oesophagectomy(ledger: BenefitLedger, ref: str, hospital: dict, *, diagnosis: str = "食管癌 (中段)") -> dict:
    """食管癌 surgery, billed 58,000 of which 52,000 compliant, referred out of the county, 2018-06-01."""
    return admit_and_settle_hainan(
        ledger,
        ref,
        f"{ref}-E",
        hospital,
        total="58000",
        compliant="52000",
        day=date(2018, 6, 1),
        diagnosis=diagnosis,
        referred=True,
    )
