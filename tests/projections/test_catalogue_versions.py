"""Catalogue (三目录) versions published as events: a new line is classified by the version in force as
known when it is posted, a posted line keeps its version, known_at selection, 409 on a conflicting
republish, bad items refused, and a retroactive version marks settled patient-years pending. On SQLite and
PostgreSQL (the `ledger` and `views` fixtures)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from tests.application.scenario import poor_patient, publish_default
from tests.projections.builders import catch_up
from tests.projections.test_registry_and_catalogue import _admission, _register

from domain.errors import AlreadyExistsError, StateConflictError
from domain.registry.catalogue import catalogue_tree
from domain.registry.catalogue_files import shipped_catalogue
from projections.recalculations_pending import is_pending, pending_years
from projections.store import ViewStore
from service.commands import InvalidCommandError, PostChargeLine, PublishCatalogueVersion, RegisterAdmission
from service.ledger import BenefitLedger
from service.pending_recalculation import catch_up_pending, recalculate_pending

D = Decimal
REGION = "341821"
SHIPPED = "langxi-catalogue-2016.1"


def _version_2018(version: str = "langxi-catalogue-2018.1", bed_limit: str = "40.00") -> dict:
    """The shipped Langxi catalogue as a 2018 version, the bed (120100001) limit raised to `bed_limit`."""
    shipped = shipped_catalogue(REGION, SHIPPED)
    assert shipped is not None
    tree = catalogue_tree(shipped)
    items = [dict(i, unit_price_limit=bed_limit) if i["code"] == "120100001" else i for i in tree["item"]]
    return {**tree["meta"], "version": version, "effective_from": "2018-01-01", "items": items}


def _publish(ledger: BenefitLedger, command_id: str = "cat:2018", **changes: object) -> dict:
    args = {**_version_2018(), **changes}
    return ledger.handle(PublishCatalogueVersion(command_id=command_id, **args))


def _line(ledger: BenefitLedger, admission_ref: str, line_no: str) -> dict:
    return ledger.get_admission(admission_ref).lines[line_no]["classification"]


def test_a_new_line_is_classified_by_the_published_version_and_a_posted_line_keeps_its_own(
    ledger: BenefitLedger,
) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P")
    _register(ledger)
    ledger.handle(
        RegisterAdmission(
            command_id="A1:r", admission_ref="A1", patient_ref="P", hospital_code="LX-X", admitted_on=date(2018, 3, 1)
        )
    )
    bed = {"item_code": "120100001", "quantity": "7", "unit_price": "35.00"}
    ledger.handle(PostChargeLine(command_id="A1:l1", admission_ref="A1", line_no="1", **bed))
    assert (_line(ledger, "A1", "1")["catalogue_version"], _line(ledger, "A1", "1")["over_limit"]) == (SHIPPED, D("35"))

    result = _publish(ledger)
    assert (result["region"], result["version"], result["effective_from"]) == (
        REGION,
        "langxi-catalogue-2018.1",
        "2018-01-01",
    )
    ledger.handle(PostChargeLine(command_id="A1:l2", admission_ref="A1", line_no="2", **bed))
    new = _line(ledger, "A1", "2")
    assert (new["catalogue_version"], new["over_limit"], new["compliant_amount"]) == (
        "langxi-catalogue-2018.1",
        D("0"),
        D("245.00"),
    )
    old = _line(ledger, "A1", "1")  # posted before publication: keeps the version it was classified by
    assert (old["catalogue_version"], old["over_limit"]) == (SHIPPED, D("35.00"))


def test_the_version_in_force_is_chosen_as_known_at_a_moment(ledger: BenefitLedger) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    assert ledger.catalogue_in_force(REGION, date(2018, 3, 1)).version == SHIPPED  # nothing published: shipped
    published_at = datetime.fromisoformat(_publish(ledger)["published_at"])
    assert ledger.catalogue_in_force(REGION, date(2018, 3, 1)).version == "langxi-catalogue-2018.1"
    assert ledger.catalogue_in_force(REGION, date(2018, 3, 1), known_at=published_at).version == (
        "langxi-catalogue-2018.1"
    )
    assert ledger.catalogue_in_force(REGION, date(2018, 3, 1), known_at=before).version == SHIPPED
    with pytest.raises(StateConflictError, match="no catalogue is in force"):  # published data only, from 2018
        ledger.catalogue_in_force(REGION, date(2017, 6, 1))
    # a later publication effective from the same day supersedes it; the earlier moment still sees the first
    _publish(ledger, "cat:2018.2", version="langxi-catalogue-2018.2", items=_version_2018(bed_limit="50.00")["items"])
    assert ledger.catalogue_in_force(REGION, date(2018, 3, 1)).version == "langxi-catalogue-2018.2"
    assert ledger.catalogue_in_force(REGION, date(2018, 3, 1), known_at=published_at).version == (
        "langxi-catalogue-2018.1"
    )
    assert ledger.catalogue_in_force("469030", date(2018, 3, 1)).region == "469030"  # other region: shipped


def test_a_republish_is_idempotent_and_other_content_is_a_409(ledger: BenefitLedger) -> None:
    first = _publish(ledger)
    head = ledger.recorder.max_notification_id()
    assert _publish(ledger)["replayed"] is True  # the same command id
    again = _publish(ledger, "cat:2018:again")  # the same version, same content, another command id
    assert again["published_at"] == first["published_at"]
    with pytest.raises(AlreadyExistsError, match="already published with other content"):
        _publish(ledger, "cat:2018:other", items=_version_2018(bed_limit="45.00")["items"])
    register_events = [
        n for n in ledger.recorder.select_notifications(1, 1000) if n.topic.startswith("ledger:CatalogueRegister")
    ]
    assert [n.topic for n in register_events] == [
        "ledger:CatalogueRegister.Opened",
        "ledger:CatalogueRegister.VersionPublished",
    ]
    assert ledger.recorder.max_notification_id() >= head


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"class": "c"}, "class"),
        ({"list": "devices"}, "list"),
        ({"code": "has space"}, "code"),
        ({"unit_price_limit": 12.5}, "money"),
        ({"unit_price_limit": "-1"}, "amount"),
        ({"class": "b", "self_pay_share": "1.5"}, "share"),
        ({"class": "a", "self_pay_share": "0.10"}, "self_pay_share is for class b"),
        ({"extra": "x"}, "extra"),
    ],
)
def test_bad_items_are_refused_before_anything_is_written(ledger: BenefitLedger, change: dict, message: str) -> None:
    args = _version_2018()
    items = [dict(args["items"][0], **change), *args["items"][1:]]
    head = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidCommandError) as refused:
        ledger.handle(PublishCatalogueVersion(command_id="bad", **{**args, "items": items}))
    assert message.lower() in str(refused.value).lower()
    assert ledger.recorder.max_notification_id() == head


def test_a_code_listed_twice_is_refused(ledger: BenefitLedger) -> None:
    args = _version_2018()
    with pytest.raises(InvalidCommandError, match="listed twice"):
        PublishCatalogueVersion(command_id="bad", **{**args, "items": [*args["items"], args["items"][0]]})


def test_a_retroactive_catalogue_marks_settled_patient_years_pending(ledger: BenefitLedger, views: ViewStore) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P")
    _register(ledger)
    _admission(ledger, "A1", date(2018, 3, 1), date(2018, 3, 8), [("120100001", "7", "35.00")])
    catch_up(ledger, views)
    assert pending_years(views) == []
    published = _publish(ledger)
    catch_up(ledger, views)
    [year] = pending_years(views)
    assert (year["patient_ref"], year["year"]) == ("P", 2018)
    [reason] = year["reasons"]
    assert (reason["fact"], reason["subject"], str(reason["effective_on"])) == (
        "catalogue",
        f"{REGION}/langxi-catalogue-2018.1",
        "2018-01-01",
    )
    assert reason["detail"] == (
        f"catalogue version langxi-catalogue-2018.1 published at {published['published_at']} effective from 2018-01-01"
    )
    assert _line(ledger, "A1", "1")["catalogue_version"] == SHIPPED  # the posted line is not re-classified


def test_a_catalogue_effective_after_the_settled_dates_marks_nothing(ledger: BenefitLedger, views: ViewStore) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P")
    _register(ledger)
    _admission(ledger, "A1", date(2018, 3, 1), date(2018, 3, 8), [("120100001", "7", "35.00")])
    _publish(ledger, effective_from="2018-06-01")
    catch_up(ledger, views)
    assert pending_years(views) == []


def test_a_pending_recalculation_answers_the_catalogue_fact_with_the_lines_re_classified(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    """The recalculation re-classifies the posted line by the version now in force; a version that gives the
    line the same verdict (the bed limit as shipped) changes nothing, and the fact is answered (applied). The
    posted line keeps the version it was classified by (tests/application/test_reclassified_lines.py: a
    version that changes the verdict)."""
    publish_default(ledger)
    poor_patient(ledger, "P")
    _register(ledger)
    _admission(ledger, "A1", date(2018, 3, 1), date(2018, 3, 8), [("120100001", "7", "35.00")])
    _publish(ledger, "cat:2018:same", items=_version_2018(bed_limit="30.00")["items"])
    catch_up_pending(ledger, views)
    assert is_pending(views, "P", 2018)
    run = recalculate_pending(ledger, views)
    assert (run.examined, run.changed_count) == (1, 0)
    assert not is_pending(views, "P", 2018)
    assert _line(ledger, "A1", "1")["catalogue_version"] == SHIPPED
    [record] = ledger.get_benefit_year("P", 2018).settlements
    assert record["current"] == record["settlement"]  # re-settled to the fen as settled
