"""Roster reconciliation (部门间数据比对) on SQLite and PostgreSQL: a poverty-office list with every kind of
difference, the enrolment rates (参保率, 参保补贴落实率), and the differences applied as status events."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from tests.application.scenario import REGION, publish_default
from tests.money.money_scenario import id_card

from domain.errors import AlreadyExistsError, ValidationError
from service.commands import ApplyRosterDifferences, EnrolPatient, ImportRoster, RecordPovertyStatus, RegisterPatient
from service.ledger import BenefitLedger
from service.rosters import reconciliation

AS_OF = date(2018, 7, 1)


def _person(ledger: BenefitLedger, ref: str, serial: int | None, status: str | None, enrolled: bool | None) -> None:
    extra: dict[str, Any] = {} if serial is None else {"name": f"村民{serial}", "id_card_no": id_card(serial)}
    ledger.handle(RegisterPatient(command_id=f"{ref}:reg", patient_ref=ref, county_code=REGION, **extra))
    if status is not None:
        ledger.handle(
            RecordPovertyStatus(command_id=f"{ref}:st", patient_ref=ref, status=status, effective_from=date(2016, 1, 1))
        )
    if enrolled is not None:
        ledger.handle(
            EnrolPatient(command_id=f"{ref}:enrol", patient_ref=ref, year=2018, premium_paid_by_state=enrolled)
        )


def _entry(serial: int, status: str, household: str, effective_from: str = "2018-01-01") -> dict[str, Any]:
    return {
        "id_card_no": id_card(serial),
        "name": f"村民{serial}",
        "household": household,
        "status": status,
        "effective_from": effective_from,
    }


def _county(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    _person(ledger, "R-1", 1, "jiandanglika", True)  # matches the list
    _person(ledger, "R-2", 2, "jiandanglika", False)  # the list says dibao since March; premium paid by the household
    _person(ledger, "R-3", 3, "dibao", None)  # on the list, not enrolled
    _person(ledger, "R-4", 4, "jiandanglika", True)  # poor in the registry, not on the list
    _person(ledger, "R-5", None, "tekun", True)  # poor, no ID number registered: cannot be on the list
    _person(ledger, "R-6", 6, None, True)  # not poor in the registry, poor on the list
    ledger.handle(
        ImportRoster(
            command_id="roster:2018-07",
            county_code=REGION,
            roster_ref="FPB-2018-07",
            as_of=AS_OF,
            entries=[
                _entry(1, "jiandanglika", "HH-01"),
                _entry(2, "dibao", "HH-02", "2018-03-01"),
                _entry(3, "dibao", "HH-03"),
                _entry(5, "jiandanglika", "HH-05"),  # not registered
                _entry(6, "jiandanglika", "HH-06"),
            ],
        )
    )


def test_a_roster_with_every_kind_of_difference(ledger: BenefitLedger) -> None:
    _county(ledger)
    report = reconciliation(ledger, REGION, "FPB-2018-07")
    assert report["on_list"] == 5
    assert [(d["household"], d["status"], d["id_card_no"], d["name"]) for d in report["not_registered"]] == [
        ("HH-05", "jiandanglika", id_card(5)[:6] + "********" + id_card(5)[-4:], "村民5")
    ]
    assert report["not_enrolled"] == [{"patient_ref": "R-3", "household": "HH-03"}]
    assert report["not_on_list"] == [
        {"patient_ref": "R-4", "status": "jiandanglika", "id_registered": True},
        {"patient_ref": "R-5", "status": "tekun", "id_registered": False},
    ]
    assert [
        (d["patient_ref"], d["ledger_status"], d["roster_status"], d["effective_from"])
        for d in report["status_differences"]
    ] == [
        ("R-2", "jiandanglika", "dibao", "2018-03-01"),
        ("R-6", "none", "jiandanglika", "2018-01-01"),
    ]
    enrolment = report["enrolment"]  # the poor on the list: 5; enrolled; state-paid
    assert (enrolment["poor_on_list"], enrolment["enrolled"], enrolment["premium_paid_by_state"]) == (5, 3, 2)
    assert (str(enrolment["enrolment_rate"]), str(enrolment["premium_subsidy_rate"])) == ("0.6000", "0.6667")


def test_the_differences_are_applied_as_effective_dated_status_events(ledger: BenefitLedger) -> None:
    _county(ledger)
    applied = ledger.handle(
        ApplyRosterDifferences(
            command_id="apply-1", county_code=REGION, roster_ref="FPB-2018-07", missing_status="lifted"
        )
    )
    assert applied["applied"] == [
        {"patient_ref": "R-2", "status": "dibao", "effective_from": "2018-03-01"},
        {"patient_ref": "R-6", "status": "jiandanglika", "effective_from": "2018-01-01"},
        {"patient_ref": "R-4", "status": "lifted", "effective_from": "2018-07-01"},
        {"patient_ref": "R-5", "status": "lifted", "effective_from": "2018-07-01"},
    ]
    r2 = ledger.get_patient("R-2")
    assert r2.status_on(date(2018, 2, 28)).value == "jiandanglika" and r2.status_on(date(2018, 3, 1)).value == "dibao"
    assert ledger.get_patient("R-4").status_on(date(2018, 6, 30)).value == "jiandanglika"
    report = reconciliation(ledger, REGION, "FPB-2018-07")
    assert report["status_differences"] == [] and report["not_on_list"] == []
    assert report["not_enrolled"] and report["not_registered"]  # those the registry must act on stay reported
    head = ledger.recorder.max_notification_id()
    again = ledger.handle(
        ApplyRosterDifferences(
            command_id="apply-2", county_code=REGION, roster_ref="FPB-2018-07", missing_status="lifted"
        )
    )
    assert again["applied"] == []
    assert ledger.recorder.max_notification_id() == head + 1  # only the command's record


def test_a_roster_version_is_recorded_once_and_checked(ledger: BenefitLedger) -> None:
    _county(ledger)
    with pytest.raises(AlreadyExistsError):
        ledger.handle(
            ImportRoster(
                command_id="roster:other",
                county_code=REGION,
                roster_ref="FPB-2018-07",
                as_of=AS_OF,
                entries=[_entry(1, "jiandanglika", "HH-01")],
            )
        )
    with pytest.raises(ValidationError, match="repeats the ID number"):
        ledger.handle(
            ImportRoster(
                command_id="roster:dup",
                county_code=REGION,
                roster_ref="FPB-2018-08",
                as_of=AS_OF,
                entries=[_entry(1, "jiandanglika", "HH-01")] * 2,
            )
        )
    events = ledger.recorder.select_notifications(start=1, limit=10_000, topics=["ledger:RosterVersion.Imported"])
    assert len(events) == 1
    assert id_card(2).encode() not in events[0].state and "村民2".encode() not in events[0].state  # sealed


def test_ledger_roster_import_report_apply(ledger: BenefitLedger, cli: Any, tmp_path: Any) -> None:
    from tests.cli.cli_support import assert_one_line_error

    publish_default(ledger)
    _person(ledger, "R-1", 1, "jiandanglika", True)
    _person(ledger, "R-2", 2, "jiandanglika", True)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "id_card_no,name,household,status,effective_from\n"
        f"{id_card(1)},村民1,HH-01,jiandanglika,2018-01-01\n{id_card(2)},村民2,HH-02,lifted,2018-05-01\n"
        f"{id_card(7)},村民7,HH-07,dibao,2018-01-01\n",
        encoding="utf-8",
    )
    out = cli("roster", "import", REGION, "FPB-1", str(roster), "--as-of", "2018-07-01")
    assert out.exit_code == 0, out.output
    assert "3 people" in out.stdout
    out = cli("roster", "report", REGION, "FPB-1")
    # the poor on the list: HH-01 and HH-07 (HH-02 is lifted); enrolled: R-1 only, its premium paid by the state
    assert "参保率 0.5000 (1 of 2 poor on the list enrolled); 参保补贴落实率 1.0000 (1 premiums" in out.stdout
    assert "on the list, not registered: 1" in out.stdout and "status differences: 1" in out.stdout
    assert "R-2 (HH-02): registry jiandanglika, list lifted from 2018-05-01" in out.stdout
    out = cli("roster", "apply", REGION, "FPB-1")
    assert out.exit_code == 0 and "1 status events recorded" in out.stdout, out.output
    assert ledger.get_patient("R-2").status_on(date(2018, 5, 1)).value == "lifted"

    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"id_card_no,name,household,status,effective_from\n{id_card(1)[:-1]}0,村民1,HH-01,poor,2018-01-01\n",
        encoding="utf-8",
    )
    assert_one_line_error(cli("roster", "import", REGION, "FPB-2", str(bad), "--as-of", "2018-07-01"), "line 2")
