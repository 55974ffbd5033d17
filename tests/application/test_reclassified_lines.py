"""A retroactive catalogue (三目录) correction re-classifies the posted charge lines in the recalculation (#10):
settle a visit whose bed line was classified under the shipped catalogue (langxi-catalogue-2016.1) -> publish a
version effective earlier that changes the bed item -> the year is pending and `verify` says so -> the pending
run re-classifies the line, the compensation owed follows 追溯补偿 (never a claw-back) -> not pending, verify
clean; a legacy pre-classified line keeps its sender's classification. On SQLite and PostgreSQL.

Every expected figure is computed below by hand from the policy's county tier (deductible 300, ratio 0.90, the
only layer that pays a non-poor patient this little) and the catalogue items, not by the ledger's rules:

  line 1  bed 120100001, 7 days @ 35.00 = 245.00; shipped limit 30.00: compliant 210.00, 超限价 35.00
  line 2  G-TREATMENT, 1 @ 3,000.00, class A, no limit: compliant 3,000.00
  line 3  legacy drug line 500.00, pre-classified compliant by its sender
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from tests.application.scenario import poor_patient, publish_default
from tests.projections.test_registry_and_catalogue import _register

from cli.output import year_lines
from domain import ids
from domain.registry.catalogue import catalogue_tree
from domain.registry.catalogue_files import shipped_catalogue
from projections.recalculations_pending import is_pending, pending_years
from projections.store import ViewStore, open_store
from service.commands import (
    Discharge,
    PostChargeLine,
    PostLegacyChargeLine,
    PublishCatalogueVersion,
    RecalculateBenefitYear,
    RecordPovertyStatus,
    RegisterAdmission,
    SettleAdmission,
)
from service.ledger import BenefitLedger
from service.pending_recalculation import catch_up_pending, recalculate_pending
from service.settings import Settings
from service.verification import PENDING, verify_ledger

D = Decimal
REGION = "341821"
SHIPPED = "langxi-catalogue-2016.1"
CORRECTED = "langxi-catalogue-2018.1"
BED = "120100001"
TOTAL = D("245.00") + D("3000.00") + D("500.00")


@pytest.fixture
def views(store_url: str) -> Iterator[ViewStore]:
    store = open_store(Settings(database_url=store_url).store)
    yield store
    store.close()


def fen(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def ncms_county(compliant: Decimal) -> Decimal:
    """NCMS at a county hospital for a non-poor patient: (compliant - 300) x 0.90, to the fen."""
    return fen((compliant - D("300")) * D("0.90"))


def settle_visit(
    ledger: BenefitLedger, patient: str = "P", admission: str = "A1", *, legacy_only: bool = False
) -> dict:
    """Admitted 2018-03-01, discharged and settled 2018-03-08 at the county hospital LX-X."""
    ledger.handle(
        RegisterAdmission(
            command_id=f"{admission}:r",
            admission_ref=admission,
            patient_ref=patient,
            hospital_code="LX-X",
            admitted_on=date(2018, 3, 1),
        )
    )
    if not legacy_only:
        for line_no, code, quantity, price in (("1", BED, "7", "35.00"), ("2", "G-TREATMENT", "1", "3000.00")):
            ledger.handle(
                PostChargeLine(
                    command_id=f"{admission}:l{line_no}",
                    admission_ref=admission,
                    line_no=line_no,
                    item_code=code,
                    quantity=quantity,
                    unit_price=price,
                )
            )
    ledger.handle(
        PostLegacyChargeLine(
            command_id=f"{admission}:l3",
            admission_ref=admission,
            line_no="3",
            category="drug",
            amount="500",
            compliant=True,
        )
    )
    ledger.handle(Discharge(command_id=f"{admission}:d", admission_ref=admission, discharged_on=date(2018, 3, 8)))
    return ledger.handle(
        SettleAdmission(
            command_id=f"{admission}:s", admission_ref=admission, settled_at=datetime(2018, 3, 8, 10, tzinfo=UTC)
        )
    )


def corrected_catalogue(**bed: str) -> dict:
    """The shipped Langxi catalogue as version langxi-catalogue-2018.1, effective 2018-01-01 (before the
    admission), with the bed item changed by `bed` (e.g. unit_price_limit, class)."""
    shipped = shipped_catalogue(REGION, SHIPPED)
    assert shipped is not None
    tree = catalogue_tree(shipped)
    items = [dict(i, **bed) if i["code"] == BED else i for i in tree["item"]]
    return {**tree["meta"], "version": CORRECTED, "effective_from": "2018-01-01", "items": items}


def publish_correction(ledger: BenefitLedger, **bed: str) -> dict:
    return ledger.handle(PublishCatalogueVersion(command_id="catalogue-correction", **corrected_catalogue(**bed)))


def share(settlement: dict) -> Decimal:
    return D(settlement["patient_compliant"]) + D(settlement["patient_noncompliant"])


def ncms_paid(settlement: dict) -> Decimal:
    return sum((D(la["amount"]) for la in settlement["layers"] if la["payer"] == "ncms"), D("0.00"))


def settled_before_the_correction(ledger: BenefitLedger, views: ViewStore) -> dict:
    publish_default(ledger)
    poor_patient(ledger, "P", status="none")
    _register(ledger)
    settled = settle_visit(ledger)
    compliant = D("210.00") + D("3000.00") + D("500.00")
    assert (settled["total"], settled["compliant"]) == (TOTAL, compliant)
    assert settled["payer_total"] == ncms_county(compliant) == D("3069.00")
    assert settled["patient_share"] == TOTAL - ncms_county(compliant) == D("676.00")
    catch_up_pending(ledger, views)
    assert pending_years(views) == [] and verify_ledger(ledger, views=views).ok
    return settled


def test_a_raised_price_limit_re_classifies_the_line_and_owes_the_patient_the_difference(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    settled = settled_before_the_correction(ledger, views)
    before_correction = ledger.clock.now()
    published = publish_correction(ledger, unit_price_limit="40.00")  # 35.00 is now within the limit

    catch_up_pending(ledger, views)
    (item,) = pending_years(views)
    assert [(r["fact"], r["subject"]) for r in item["reasons"]] == [("catalogue", f"{REGION}/{CORRECTED}")]
    report = verify_ledger(ledger, views=views)
    assert [(f.check, f.subject) for f in report.findings] == [(PENDING, "P/2018")]
    assert CORRECTED in report.findings[0].detail

    run = recalculate_pending(ledger, views)
    compliant_after = D("245.00") + D("3000.00") + D("500.00")  # the bed line all compliant now
    owed = (TOTAL - ncms_county(compliant_after)) - settled["patient_share"]
    assert owed == D("-31.50")  # the patient now pays 31.50 less
    assert (run.examined, run.changed_count, run.compensation_owed) == (1, 1, -owed)

    (record,) = ledger.get_benefit_year("P", 2018).settlements
    assert record["claim"]["compliant"] == D("3710.00")  # the settlement as made is unchanged
    assert record["current_claim"]["compliant"] == compliant_after
    assert ncms_paid(record["current"]) == ncms_county(compliant_after) == D("3100.50")
    assert share(record["current"]) == D("644.50") and D(record["compensation_owed"]) == D("31.50")
    lines = record["current_facts"]["lines"]
    assert sorted(lines) == ["1", "2"]  # the legacy line 3 is not re-classified
    bed = lines["1"]
    assert (bed["catalogue_version"], bed["compliant_amount"], bed["over_limit"]) == (CORRECTED, D("245.00"), 0)
    assert bed["unit_price_limit"] == D("40.00") and lines["2"]["catalogue_version"] == CORRECTED
    assert datetime.fromisoformat(record["current_facts"]["catalogue_known_at"]) >= datetime.fromisoformat(
        published["published_at"]
    )
    posted = ledger.get_admission("A1").lines
    assert posted["1"]["classification"]["catalogue_version"] == SHIPPED  # the posted event is never changed
    assert posted["3"]["legacy"] is True and posted["3"]["compliant"] is True

    assert not is_pending(views, "P", 2018)
    assert verify_ledger(ledger, views=views).ok, verify_ledger(ledger, views=views).findings
    assert ledger.verify_benefit_year("P", 2018)["verified"] is True
    # a replay as of before the correction is the settlement as made, to the fen
    as_made = ledger.benefit_year_as_of("P", 2018, before_correction).settlements[0]
    assert as_made["current"] == as_made["settlement"] == record["settlement"]
    assert share(as_made["current"]) == settled["patient_share"]
    # the auditor's per-line view names the version the recalculation used
    shown = "\n".join(year_lines(ledger.get_benefit_year("P", 2018), lambda ref: ledger.get_admission(ref).lines))
    assert f"re-classified by the recalculation under {CORRECTED}" in shown
    assert f"posted under {SHIPPED}: compliant 210.00" in shown
    assert "legacy line, pre-classified by its sender" in shown
    as_of = ledger.benefit_year_as_of("P", 2018, before_correction)
    old_view = "\n".join(year_lines(as_of, lambda ref: ledger.get_admission(ref).lines))
    assert "re-classified by the recalculation" not in old_view and CORRECTED not in old_view


def test_a_correction_that_raises_the_patients_share_is_no_claw_back(ledger: BenefitLedger, views: ViewStore) -> None:
    settled = settled_before_the_correction(ledger, views)
    publish_correction(ledger, **{"class": "self_pay"})  # the bed is out of catalogue (丙类) from 2018
    result = ledger.handle(RecalculateBenefitYear(command_id="recalc-P", patient_ref="P", year=2018))
    compliant_after = D("3000.00") + D("500.00")
    assert result["changed"] is True
    (item,) = result["items"]
    assert item["payer_deltas"]["ncms"] == ncms_county(compliant_after) - settled["payer_total"] == D("-189.00")
    assert item["patient_share_after"] == TOTAL - ncms_county(compliant_after) == D("865.00")
    assert item["compensation_owed"] == D("0.00")  # the patient paid less than now asked: nothing owed, nothing taken
    assert item["catalogue_versions"] == {"1": CORRECTED, "2": CORRECTED}
    (record,) = ledger.get_benefit_year("P", 2018).settlements
    bed = record["current_facts"]["lines"]["1"]
    assert (bed["item_class"], bed["compliant_amount"], bed["out_of_catalogue"]) == ("self_pay", 0, D("245.00"))
    catch_up_pending(ledger, views)
    assert not is_pending(views, "P", 2018)
    assert verify_ledger(ledger, views=views).ok, verify_ledger(ledger, views=views).findings


def test_legacy_lines_keep_their_classification_and_a_correction_that_changes_nothing_moves_no_money(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    settled_before_the_correction(ledger, views)
    poor_patient(ledger, "Q", status="none")
    legacy = settle_visit(ledger, "Q", "B1", legacy_only=True)  # 500.00, compliant by its sender
    assert legacy["payer_total"] == ncms_county(D("500.00")) == D("180.00")
    publish_correction(ledger, unit_price_limit="30.00")  # the bed limit as shipped: the same verdicts
    catch_up_pending(ledger, views)
    assert [i["patient_ref"] for i in pending_years(views)] == ["P", "Q"]
    run = recalculate_pending(ledger, views)
    assert (run.examined, run.changed_count, run.compensation_owed) == (2, 0, D("0.00"))
    for patient in ("P", "Q"):
        history = ledger.get_benefit_year(patient, 2018)
        (record,) = history.settlements
        assert (history.recalculations, history.checks) == (0, 1)
        assert record["current"] == record["settlement"]
    checked = list(ledger.events.get(ids.benefit_year_id("P", 2018)))[-1]
    assert checked.facts["catalogue_versions"] == {"A1#1": {"1": CORRECTED, "2": CORRECTED}}
    unchecked = list(ledger.events.get(ids.benefit_year_id("Q", 2018)))[-1]
    assert "catalogue_versions" not in unchecked.facts  # legacy lines only: nothing re-classified
    assert pending_years(views) == []
    assert verify_ledger(ledger, views=views).ok


def test_a_recalculation_as_of_before_the_publication_does_not_answer_the_catalogue_fact(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    settled_before_the_correction(ledger, views)
    before = ledger.clock.now()
    publish_correction(ledger, unit_price_limit="40.00")
    result = ledger.handle(
        RecalculateBenefitYear(command_id="as-of-before", patient_ref="P", year=2018, known_at=before)
    )
    assert result["changed"] is False  # re-classified by the shipped catalogue, as known then: the same verdicts
    catch_up_pending(ledger, views)
    assert is_pending(views, "P", 2018)
    run = recalculate_pending(ledger, views)
    assert (run.changed_count, run.compensation_owed) == (1, D("31.50"))
    assert not is_pending(views, "P", 2018)


def test_verify_re_derives_the_re_classified_lines(
    ledger: BenefitLedger, views: ViewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`verify` classifies the lines again by the catalogue in force as of the moment the recalculation recorded:
    with the catalogue chosen as of another moment (before the correction) it finds the lines and the claim
    differ from what was recorded."""
    settled_before_the_correction(ledger, views)
    before = ledger.clock.now()
    publish_correction(ledger, unit_price_limit="40.00")
    recalculate_pending(ledger, views)
    assert ledger.verify_benefit_year("P", 2018)["verified"] is True
    import service.auditor_queries as auditor_queries

    real = auditor_queries.reclassified_lines
    monkeypatch.setattr(auditor_queries, "reclassified_lines", lambda lg, region, a, _: real(lg, region, a, before))
    found = {(d["part"], d["field"]) for d in ledger.verify_benefit_year("P", 2018)["differences"]}
    assert {("current lines", "1.catalogue_version"), ("current lines", "1.compliant_amount")} <= found
    assert ("current claim", "compliant") in found


def test_a_known_at_ahead_of_the_clock_reads_the_catalogue_as_of_now(ledger: BenefitLedger, views: ViewStore) -> None:
    """A `known_at` within the clock tolerance ahead: the lines are classified as of the server's now, so a version
    published a moment later is neither read by the recalculation nor by `verify`, and it is a late fact."""
    settled_before_the_correction(ledger, views)
    ledger.handle(  # a late poverty status: the recalculation moves money and records the facts it read
        RecordPovertyStatus(
            command_id="P:late", patient_ref="P", status="dibao", effective_from=date(2018, 1, 1), reason="late"
        )
    )
    ahead = ledger.clock.now() + timedelta(seconds=60)
    result = ledger.handle(RecalculateBenefitYear(command_id="ahead", patient_ref="P", year=2018, known_at=ahead))
    assert result["changed"] is True and result["items"][0]["catalogue_versions"]["1"] == SHIPPED
    (record,) = ledger.get_benefit_year("P", 2018).settlements
    assert datetime.fromisoformat(record["current_facts"]["catalogue_known_at"]) < ahead
    publish_correction(ledger, unit_price_limit="40.00")
    assert ledger.verify_benefit_year("P", 2018)["verified"] is True
    catch_up_pending(ledger, views)
    assert is_pending(views, "P", 2018)
