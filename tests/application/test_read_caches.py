"""What a server process remembers between commands, and what it must still see from other processes.

A "server" ledger keeps its caches (the repository's aggregates, the closed county-years of
service.year_close, the admission hospitals of api.access.ScopeCache); an "other" ledger on the same store
stands for another process (`ledger` CLI, another worker). Each change the other makes counts in the
server's next command: a close refuses the window's settlements (and keeps refusing), a registry change and
a newly published policy version are what the next settlement uses, a probe for an existing id is answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tests.application.scenario import (
    COUNTY_HOSPITAL,
    REGION,
    admit_and_settle,
    policy_variant,
    poor_patient,
    publish_default,
)

from api.access import Principal, Role, authorize_command, scope_lookup
from domain import ids
from domain.errors import AlreadyExistsError, CommandIdReusedError, StateConflictError
from service.commands import (
    ChangeHospital,
    CloseCountyYear,
    Discharge,
    PostChargeLine,
    PublishPolicyVersion,
    RegisterPatient,
)
from service.group_commit import GroupCommitter
from service.ledger import BenefitLedger
from service.roles import ForbiddenError
from service.settings import Settings
from service.unit_of_work import unit_of_work


@pytest.fixture
def pair(store_url: str) -> Iterator[tuple[BenefitLedger, BenefitLedger]]:
    server = BenefitLedger.from_settings(Settings(database_url=store_url))
    server.group_committer = GroupCommitter(server)
    other = BenefitLedger.from_settings(Settings(database_url=store_url))
    yield server, other
    other.close()
    server.close()


def _settle(ledger: BenefitLedger, n: int, day: date = date(2018, 3, 5)) -> dict:
    return admit_and_settle(ledger, "P-1", f"A-{n}", COUNTY_HOSPITAL, total="3000", compliant="2800", day=day)


def test_a_county_year_closed_by_another_process_refuses_the_next_settlement_and_stays_refused(
    pair: tuple[BenefitLedger, BenefitLedger],
) -> None:
    server, other = pair
    publish_default(server)
    poor_patient(server, "P-1")
    assert _settle(server, 1)["replayed"] is False  # open: asked, not remembered
    other.handle(CloseCountyYear(command_id="close", county_code=REGION, year=2018, reason="2018年度结算"))
    for n in (2, 3):  # the first refusal finds the close, the second answers from what it remembered
        with pytest.raises(StateConflictError, match="is closed"):
            _settle(server, n)
    with pytest.raises(AlreadyExistsError, match="already closed"):
        server.handle(CloseCountyYear(command_id="close-again", county_code=REGION, year=2018, reason="again"))
    assert [r["admission_ref"] for r in server.get_benefit_year("P-1", 2018).settlements] == ["A-1"]


def test_a_registry_change_and_a_new_policy_version_by_another_process_count_in_the_next_settlement(
    pair: tuple[BenefitLedger, BenefitLedger],
) -> None:
    server, other = pair
    publish_default(server)
    poor_patient(server, "P-1")
    first = _settle(server, 1)
    code = COUNTY_HOSPITAL["code"]
    before = server.get_registered_hospital(code).version
    other.handle(
        ChangeHospital(
            command_id="rename", hospital_code=code, effective_from=date(2018, 1, 1), name="郎溪县人民医院(新院区)"
        )
    )
    variant = policy_variant("langxi-2018.9", datetime(2018, 2, 1, tzinfo=UTC))
    other.handle(PublishPolicyVersion.of(variant, command_id="policy:langxi-2018.9"))
    second = _settle(server, 2, day=date(2018, 3, 6))
    records = server.get_benefit_year("P-1", 2018).settlements
    assert [r["hospital"]["registry_version"] for r in records] == [before, before + 1]
    assert [r["hospital"]["name"] for r in records] == [COUNTY_HOSPITAL["name"], "郎溪县人民医院(新院区)"]
    assert (first["policy_version"], second["policy_version"]) == ("langxi-2018.1", "langxi-2018.9")


def test_an_id_created_by_another_process_is_found_by_the_next_probe(pair: tuple[BenefitLedger, BenefitLedger]) -> None:
    server, other = pair
    assert ids.patient_id("P-9") not in server.repository
    other.handle(RegisterPatient(command_id="other:P-9", patient_ref="P-9", county_code=REGION))
    assert ids.patient_id("P-9") in server.repository
    with pytest.raises(AlreadyExistsError):
        server.handle(RegisterPatient(command_id="server:P-9", patient_ref="P-9", county_code=REGION))


def test_the_scope_check_remembers_committed_admission_hospitals_only(
    pair: tuple[BenefitLedger, BenefitLedger],
) -> None:
    server, _ = pair
    publish_default(server)
    poor_patient(server, "P-1")
    _settle(server, 1)
    own = Principal(name="lx", role=Role.HOSPITAL, hospital=COUNTY_HOSPITAL["code"])
    foreign = Principal(name="ah", role=Role.HOSPITAL, hospital="AH-001")
    line = PostChargeLine(
        command_id="x",
        admission_ref="A-1",
        line_no="9",
        category="drug",
        item_code="X",
        quantity=1,
        unit_price=Decimal("1"),
    )
    authorize_command(own, server, line)  # found and remembered
    with pytest.raises(ForbiddenError, match="own window"):
        authorize_command(foreign, server, line)  # answered from what it remembered
    unknown = line.model_copy(update={"admission_ref": "A-404"})
    with unit_of_work():  # inside a batch an admission may be staged, not committed: nothing is remembered
        authorize_command(foreign, server, unknown)
    assert "A-404" not in scope_lookup(server)._hospitals
    assert scope_lookup(server)._hospitals["A-1"] == COUNTY_HOSPITAL["code"]


def test_replays_without_a_record_read_first_answer_with_the_first_result(
    pair: tuple[BenefitLedger, BenefitLedger],
) -> None:
    """A batchable command's record is not read before its build (service.idempotency): a replay whose build
    fails (already discharged, already registered, a stale expected_version) or succeeds (a charge line
    posted again) still returns the first result and appends nothing; another payload under the id is refused."""
    server, _ = pair
    publish_default(server)
    poor_patient(server, "P-1")
    settled = _settle(server, 1)
    head = server.recorder.max_notification_id()
    again = _settle(server, 1)  # register (exists), charge line (posts again), discharge, settle (done): each replays
    assert again["replayed"] is True and {**again, "replayed": False} == settled
    stale = server.handle(
        Discharge(command_id="A-1:discharge", admission_ref="A-1", discharged_on=date(2018, 3, 5), expected_version=1)
    )
    assert stale["replayed"] is True
    assert server.recorder.max_notification_id() == head
    with pytest.raises(CommandIdReusedError):
        server.handle(Discharge(command_id="A-1:discharge", admission_ref="A-1", discharged_on=date(2018, 3, 6)))
    assert server.recorder.max_notification_id() == head


def test_a_patients_county_is_read_once_and_never_from_an_uncommitted_unit(
    pair: tuple[BenefitLedger, BenefitLedger],
) -> None:
    server, other = pair
    with unit_of_work() as unit:  # a batch that registers the patient and is then refused: nothing is kept
        server.handle(RegisterPatient(command_id="staged:P-7", patient_ref="P-7", county_code="469030"))
        assert server.county_of_patient("P-7") == "469030"
        assert unit.staged()
    assert "P-7" not in server._patient_counties
    other.handle(RegisterPatient(command_id="other:P-7", patient_ref="P-7", county_code=REGION))
    assert server.county_of_patient("P-7") == REGION  # the committed registration, from the store
    assert server._patient_counties["P-7"] == REGION
