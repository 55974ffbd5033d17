"""Ledgers for the slip tests: the research's worked example (P-2.3, with a name and ID card number on
record, and an unsettled admission), and a retroactive "5090" version with compensation partly paid (P-5090)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from tests.application.scenario import COUNTY_HOSPITAL, PROVINCE_HOSPITAL, admit_and_settle, publish_default
from tests.projections.builders import retroactive_5090

from service.commands import (
    EnrolPatient,
    PayRetroactiveCompensation,
    RecordPovertyStatus,
    RegisterAdmission,
    RegisterPatient,
)
from service.ledger import BenefitLedger
from service.legacy_shapes import ensure_hospital
from service.settings import Settings

NAME, ID_CARD_NO = "张桂兰", "34182119800101123X"


def slip_scenario(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    ledger.handle(
        RegisterPatient(
            command_id="P-2.3:register:named",
            patient_ref="P-2.3",
            county_code="341821",
            township="毕桥镇",
            name=NAME,
            id_card_no=ID_CARD_NO,
        )
    )
    ledger.handle(EnrolPatient(command_id="P-2.3:enrol", patient_ref="P-2.3", year=2018))
    ledger.handle(
        RecordPovertyStatus(
            command_id="P-2.3:status", patient_ref="P-2.3", status="jiandanglika", effective_from=date(2016, 1, 1)
        )
    )
    # the worked example of the research (§2.3): A at the county hospital, B at a province hospital
    admit_and_settle(
        ledger, "P-2.3", "P-2.3-A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 12)
    )
    admit_and_settle(
        ledger,
        "P-2.3",
        "P-2.3-B",
        PROVINCE_HOSPITAL,
        total="80000",
        compliant="72000",
        day=date(2018, 5, 20),
        referred=True,
    )
    ledger.handle(
        RegisterAdmission(
            command_id="open:register",
            admission_ref="P-2.3-OPEN",
            patient_ref="P-2.3",
            kind="inpatient",
            hospital_code=ensure_hospital(ledger, COUNTY_HOSPITAL),
            admitted_on=date(2018, 9, 1),
        )
    )


def retro_scenario(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    retroactive_5090(ledger)
    ledger.handle(
        PayRetroactiveCompensation(
            command_id="retro-pay-D1",
            patient_ref="P-5090",
            year=2018,
            settlement_id="P-5090-D1#1",
            amount=Decimal("500.00"),
            paid_on=date(2018, 8, 1),
        )
    )


def _ledger(
    tmp_path_factory: pytest.TempPathFactory, scenario: Callable[[BenefitLedger], None]
) -> Iterator[BenefitLedger]:
    path: Path = tmp_path_factory.mktemp("slips") / "ledger.db"
    ledger = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{path}"))
    try:
        scenario(ledger)
        yield ledger
    finally:
        ledger.close()


@pytest.fixture(scope="package")
def slip_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BenefitLedger]:
    """The worked example, P-2.3 registered with a name and ID card number, and an open admission."""
    yield from _ledger(tmp_path_factory, slip_scenario)


@pytest.fixture(scope="package")
def retro_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BenefitLedger]:
    """P-5090: settled without "5090", recalculated under a retroactive version, 500.00 of it paid."""
    yield from _ledger(tmp_path_factory, retro_scenario)
