"""Freezing a Hainan admission into claim facts: the treated disease, the designated-centre flag from
the policy's centre list, and the charity grants; a claim without them is recorded as before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.aggregates.admission import Admission
from domain.aggregates.claim_facts import claim_facts, treated_disease
from domain.aggregates.patient import Patient
from domain.rules.cascade import settle_claim
from domain.rules.major_disease_treatment import Handling
from domain.rules.year_state import YearState
from domain.vocabulary import PovertyStatus, Treatment

from .builders import HAINAN_VERSION, hainan_policy


def patient() -> Patient:
    p = Patient(patient_ref="QZ-1", county_code="469030", township="营根镇")
    p.enrol(2018, True)
    p.record_poverty_status(PovertyStatus.JIANDANGLIKA, date(2016, 1, 1), "")
    p.confirm_major_disease("esophageal_cancer", date(2018, 3, 1))
    return p


def admission(code: str, tier: str = "province") -> Admission:
    hospital = {"code": code, "name": code, "tier": tier, "county_code": "460100", "in_county": False}
    a = Admission(
        admission_ref=f"A-{code}",
        patient_ref="QZ-1",
        kind="inpatient",
        hospital={**hospital, "in_province": True, "designated": True},
        referred=True,
        admitted_on="2018-05-20",
        diagnosis="esophageal_cancer",
    )
    a.post_charge_line("1", "surgery", Decimal("52000.00"), True)
    a.post_charge_line("2", "drug", Decimal("6000.00"), False)
    a.discharge(date(2018, 6, 1))
    return a


def test_designated_centre_flag_comes_from_the_policys_centre_list():
    policy = hainan_policy()

    at_centre = treated_disease(policy, admission("HN-TUMOUR"), "esophageal_cancer", Treatment.SURGERY)
    elsewhere = treated_disease(policy, admission("HK-CITY", "city"), "esophageal_cancer", Treatment.SURGERY)
    wrong_centre = treated_disease(policy, admission("HN-EYE"), "esophageal_cancer", Treatment.SURGERY)

    assert at_centre.designated_centre is True
    assert elsewhere.designated_centre is False
    assert wrong_centre.designated_centre is False


def test_a_frozen_hainan_claim_settles_capped_at_the_designated_centre():
    policy, a = hainan_policy(), admission("HN-TUMOUR")
    treated = treated_disease(policy, a, "esophageal_cancer", Treatment.SURGERY)
    facts = claim_facts("A-HN-TUMOUR#1", a, patient(), treated=treated, charity_granted=Decimal("100.00"))

    assert facts.disease_treated == "esophageal_cancer" and facts.treatment is Treatment.SURGERY
    assert facts.designated_centre is True and facts.major_diseases == ("esophageal_cancer",)
    assert facts.charity_granted == Decimal("100.00")
    settlement, _ = settle_claim(facts, YearState(), policy, HAINAN_VERSION)
    assert settlement.major_disease is not None and settlement.major_disease.handling is Handling.CAPPED
    assert settlement.hospital_borne == Decimal("8000.00")  # 58,000 billed - 50,000 standard (golden case 1)
    assert settlement.patient_share == Decimal("633.50")  # 733.50 less the 100.00 charity grant


def test_without_hainan_facts_the_claim_is_recorded_as_it_always_was():
    facts = claim_facts("A-X#1", admission("HN-TUMOUR"), patient())

    assert facts.disease_treated is None and facts.designated_centre is False
    assert set(facts.to_dict()) == {
        "claim_id",
        "kind",
        "tier",
        "in_county",
        "in_province",
        "designated",
        "referred",
        "service_date",
        "total",
        "compliant",
        "poverty_status",
        "chronic_certified",
        "major_diseases",
    }
