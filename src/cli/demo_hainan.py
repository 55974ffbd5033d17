"""The 琼中 (469030, Hainan) part of `ledger demo`: a worked 大病集中救治 case and the county's figures.

QZ-E1, 建档立卡, 食管癌 confirmed and planned for surgery by the county expert group, 500.00 granted by
the charity fund, operated at 海南省肿瘤医院 (the designated centre), billed 58,000.00 of which 52,000.00
compliant against the ILLUSTRATIVE single-disease standard of 50,000: 8,000.00 hospital-borne, ncms
37,125.00, cii 4,725.00, hpsi 5,705.00, ma 1,711.50, charity 500.00, the patient 233.50
(tests/application/test_hainan_settlement_service.py has the arithmetic).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from cli.output import year_lines
from generator.hainan import CENTRES, registry_payload

HAINAN = "469030"
HAINAN_EXAMPLE = "QZ-E1"
TUMOUR_HOSPITAL = registry_payload(CENTRES["HN-TUMOUR"])  # as the 琼中 plan registers it


def settle_hainan_example(ledger: Any) -> list[str]:
    """Record and settle the 琼中 worked case (idempotent); its patient-year as an auditor sees it."""
    from service import commands as c
    from service.legacy_shapes import charge_line, register_hospital_command

    ref, adm = HAINAN_EXAMPLE, f"{HAINAN_EXAMPLE}-A"
    day = date(2018, 6, 1)
    steps: list[Any] = [
        register_hospital_command(TUMOUR_HOSPITAL),
        c.RegisterPatient(command_id=f"demo:{ref}:register", patient_ref=ref, county_code=HAINAN, township="营根镇"),
        c.EnrolPatient(command_id=f"demo:{ref}:enrol:2018", patient_ref=ref, year=2018),
        c.RecordPovertyStatus(
            command_id=f"demo:{ref}:status", patient_ref=ref, status="jiandanglika", effective_from=date(2016, 1, 1)
        ),
        c.ConfirmMajorDisease(
            command_id=f"demo:{ref}:major", patient_ref=ref, disease="esophageal_cancer", confirmed_on=date(2018, 4, 2)
        ),
        c.RecordTreatmentPlan(
            command_id=f"demo:{ref}:plan",
            patient_ref=ref,
            disease="esophageal_cancer",
            treatment="surgery",
            decided_on=date(2018, 4, 20),
            expert_group="琼中县大病专家组",
        ),
        c.RecordCharityGrant(
            command_id=f"demo:{ref}:grant",
            patient_ref=ref,
            grant_ref=f"{ref}-G1",
            year=2018,
            amount=Decimal("500.00"),
            granted_on=date(2018, 5, 2),
            donor="慈善医疗救助基金",
        ),
        c.RegisterAdmission(
            command_id=f"demo:{adm}:register",
            admission_ref=adm,
            patient_ref=ref,
            kind="inpatient",
            hospital_code=TUMOUR_HOSPITAL["code"],
            admitted_on=day,
            referred=True,
            diagnosis="食管癌",
        ),
        charge_line(
            command_id=f"demo:{adm}:line:1",
            admission_ref=adm,
            line_no="1",
            category="surgery",
            amount=Decimal("52000.00"),
            compliant=True,
        ),
        charge_line(
            command_id=f"demo:{adm}:line:2",
            admission_ref=adm,
            line_no="2",
            category="drug",
            amount=Decimal("6000.00"),
            compliant=False,
        ),
        c.Discharge(command_id=f"demo:{adm}:discharge", admission_ref=adm, discharged_on=day),
        c.SettleAdmission(
            command_id=f"demo:{adm}:settle", admission_ref=adm, settled_at=datetime(2018, 6, 1, 10, tzinfo=UTC)
        ),
    ]
    for step in steps:
        ledger.handle(step)
    account = ledger.get_benefit_year(ref, 2018)
    return year_lines(account) + [f"    {account.settlements[0]['settlement']['hospital_borne_explanation']}"]


def hainan_rows(board: dict[str, Any]) -> list[tuple[str, str]]:
    """(figure, ledger projection) of the 琼中 county dashboard."""
    rows = [
        ("person-times 人次", f"{board['person_times']:,}"),
        ("total medical cost 医药总费用", f"{board['total_cost']:,.2f}"),
        ("total compensation 共补偿", f"{board['compensation']:,.2f}"),
    ]
    rows += [(f"  {p}", f"{board['compensation_by_payer'][p]:,.2f}") for p in ("ncms", "cii", "hpsi", "ma", "charity")]
    rows += [
        ("hospital-borne 医院承担", f"{board['hospital_borne']:,.2f}"),
        ("大病救治率 (treated / verified)", str(board["major_disease_treatment_rate"])),
        ("health-card rate 健康卡", str(board["health_card_rate"])),
        ("check-up rate 健康体检", str(board["check_up_rate"])),
        ("family-doctor contract rate 签约", str(board["poor_contract_rate"])),
        ("follow-up schedule rate 随访", str(board["follow_up_schedule_rate"])),
    ]
    return rows


def hainan_table(board: dict[str, Any], title: str) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("ledger projection", justify="right")
    for row in hainan_rows(board):
        table.add_row(*(Text(cell) for cell in row))
    return table
