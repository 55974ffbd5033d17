"""Patient responses: the registry's record of a patient (personal identifiers opened only for the registry and auditors)."""

from __future__ import annotations

from pydantic import BaseModel

from domain.aggregates.patient import Patient
from service.personal_data import masked_id_card_no


# ---- patients ----------------------------------------------------------------------------------
class StatusEntry(BaseModel):
    effective_from: str
    status: str


class Enrolment(BaseModel):
    year: int
    premium_paid_by_state: bool
    premium_payer: str | None = None
    """county_finance (财政代缴), self or other"""


class ChronicCertificate(BaseModel):
    disease: str
    valid_from: str
    valid_to: str | None


class MajorDisease(BaseModel):
    disease: str
    confirmed_on: str


class PersonalPublic(BaseModel):
    """For the registry and auditors only: the name and a masked ID card number."""

    name: str | None
    id_card_no_masked: str | None


class PatientPublic(BaseModel):
    patient_ref: str
    personal: PersonalPublic | None
    county_code: str
    township: str
    version: int
    status_history: list[StatusEntry]
    enrolments: list[Enrolment]
    chronic_disease_certificates: list[ChronicCertificate]
    major_diseases: list[MajorDisease]
    family_doctor_contracts: list[dict[str, str]]
    follow_ups: int
    last_follow_up_on: str | None

    @classmethod
    def of(cls, p: Patient, personal: dict[str, str] | None = None) -> PatientPublic:
        opened = (
            None
            if personal is None
            else PersonalPublic(
                name=personal.get("name"),
                id_card_no_masked=masked_id_card_no(personal["id_card_no"]) if "id_card_no" in personal else None,
            )
        )
        return cls(
            patient_ref=p.patient_ref,
            personal=opened,
            county_code=p.county_code,
            township=p.township,
            version=p.version,
            status_history=[StatusEntry(effective_from=f, status=s) for f, s in p.statuses],
            enrolments=[
                Enrolment(year=int(y), premium_paid_by_state=b, premium_payer=_payer(p, int(y)))
                for y, b in sorted(p.enrolments.items())
            ],
            chronic_disease_certificates=[
                ChronicCertificate(disease=d, valid_from=f, valid_to=t) for d, (f, t) in sorted(p.chronic.items())
            ],
            major_diseases=[MajorDisease(disease=d, confirmed_on=on) for d, on in sorted(p.major.items())],
            family_doctor_contracts=list(p.doctor_contracts),
            follow_ups=p.follow_ups,
            last_follow_up_on=p.last_follow_up_on,
        )


def _payer(patient: Patient, year: int) -> str | None:
    payer = patient.premium_payer_in(year)
    return None if payer is None else str(payer.value)
