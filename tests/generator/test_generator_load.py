"""Loading a small plan through the real service layer into SQLite."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from domain.money import ZERO
from generator.__main__ import main
from generator.dryrun import dry_rows
from generator.load import LoadReport, load_plan
from generator.model import generate_county_year
from generator.plan import CountyPlan
from generator.summary import comparison, figures_from, format_comparison, settlement_rows, summarise
from service.ledger import BenefitLedger
from service.settings import Settings


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[BenefitLedger, CountyPlan, LoadReport]:
    plan = generate_county_year(11, 0.01)
    path = tmp_path_factory.mktemp("county") / "c.db"
    ledger = BenefitLedger.from_settings(Settings(database_url="sqlite:///" + str(path)))
    calls: list[tuple[int, int]] = []
    report = load_plan(ledger, plan, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (len(plan.patients) + len(plan.visits),) * 2
    return ledger, plan, report


def test_every_visit_is_settled_once(loaded) -> None:  # type: ignore[no-untyped-def]
    ledger, plan, report = loaded
    assert report.settlements == len(plan.visits) == len(settlement_rows(ledger, plan))
    assert report.appended == report.commands and report.replayed == 0
    assert report.notifications_after > report.notifications_before
    for visit in plan.visits[:20]:
        assert ledger.get_admission(visit.ref).is_settled


def test_every_settlement_balances(loaded) -> None:  # type: ignore[no-untyped-def]
    ledger, plan, _ = loaded
    for claim, settlement in settlement_rows(ledger, plan):
        payers = sum((Decimal(layer["amount"]) for layer in settlement["layers"]), ZERO)
        patient = Decimal(settlement["patient_compliant"]) + Decimal(settlement["patient_noncompliant"])
        assert Decimal(settlement["total"]) == payers + patient + Decimal(settlement["hospital_borne"])
        assert Decimal(settlement["total"]) == claim["total"]


def test_patients_are_registered_in_the_default_policy_region(loaded) -> None:  # type: ignore[no-untyped-def]
    ledger, plan, _ = loaded
    for patient in plan.patients:
        assert ledger.get_patient(patient.ref).county_code == "341821"


def test_settled_at_the_discharge_day_18_00_china_time(loaded) -> None:  # type: ignore[no-untyped-def]
    ledger, plan, _ = loaded
    discharge = {v.ref: v.discharged_on for v in plan.visits}
    year = ledger.get_benefit_year(plan.visits[0].patient_ref, plan.year)
    for record in year.settlements:
        moment = datetime.fromisoformat(record["settled_at"])
        assert moment.date() == discharge[record["admission_ref"]]
        assert (moment.hour, moment.utcoffset().total_seconds()) == (18, 8 * 3600)  # type: ignore[union-attr]


def test_reloading_the_same_plan_appends_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    ledger, plan, first = loaded
    before = ledger.recorder.max_notification_id()
    again = load_plan(ledger, plan)
    assert ledger.recorder.max_notification_id() == before
    assert again.appended == 0 and again.settlements == 0 and again.replayed == again.commands == first.commands


def test_ledger_settlements_equal_the_in_memory_dry_run(loaded) -> None:  # type: ignore[no-untyped-def]
    ledger, plan, _ = loaded
    assert summarise(ledger, plan).values() == figures_from(dry_rows(plan)).values()


def test_comparison_table_covers_every_langxi_figure(loaded) -> None:  # type: ignore[no-untyped-def]
    ledger, plan, _ = loaded
    figures = summarise(ledger, plan)
    rows = {key: (value, langxi, ratio) for key, value, langxi, ratio in comparison(figures, plan.scale)}
    assert rows["person_times"][0] == len(plan.visits) and rows["person_times"][1] == round(23586 * 0.01)
    assert rows["ncms"][1] == Decimal("107178.00") and rows["reassist"][1] is None
    assert figures.compensation == sum(figures.by_payer.values(), ZERO)
    assert "NCMS" in format_comparison(figures, plan.scale)


def test_cli_loads_and_prints_the_table(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = "sqlite:///" + str(tmp_path / "cli.db")
    assert main(["--seed", "5", "--scale", "0.005", "--database-url", url, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "person-times" in out and "Langxi x 0.005" in out
    assert main(["--seed", "5", "--scale", "0.005", "--dry-run"]) == 0
    assert capsys.readouterr().out == out
