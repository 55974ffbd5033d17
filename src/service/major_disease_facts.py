"""The 大病集中救治 facts a settlement freezes into its claim: which programme disease an admission treats,
how (the treatment plan), and whether its hospital is a designated centre for that disease.

`is_designated_centre` is the ONE place designated-centre status comes from: the hospital registry's
`designated_centre_for` of the record in force on the service date (each county registers its own
centres; docs/registries.md), and the policy's list of provincial centres (the plan names them;
`[major_disease.centres]`). The client never says whether its hospital is a designated centre.

Which disease an admission treats: the admission's diagnosis names one of the programme's diseases,
by its code (`esophageal_cancer`) or its Chinese name (食管癌, `[diseases.names_zh]`). The treatment is
the one the patient's latest treatment plan (诊疗方案) for that disease decided on or before the
service date sets; with no plan, the treatment is unknown and no single-disease standard applies.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from domain.aggregates.admission import Admission
from domain.aggregates.claim_facts import TreatedDisease
from domain.aggregates.patient import Patient
from domain.policy.parameters import PolicyParameters


def is_designated_centre(
    policy: PolicyParameters, hospital_code: str, disease: str, registered_for: Collection[str] = ()
) -> bool:
    """Whether the hospital is a designated centre (定点医院) for the disease: registered as one for it in
    the hospital registry (`registered_for`), or named by the policy as a provincial centre for it."""
    rule = policy.major_disease
    if rule is None:
        return False
    return disease in registered_for or rule.is_designated_centre(disease, hospital_code)


def disease_of_diagnosis(policy: PolicyParameters, diagnosis: str) -> str | None:
    """The programme disease a diagnosis names (its code, or its Chinese name within the text), if any."""
    rule = policy.major_disease
    text = diagnosis.strip()
    if rule is None or not text:
        return None
    for disease in rule.diseases:
        name = policy.diseases.names_zh.get(disease)
        if text == disease or (name and name in text):
            return disease
    return None


def treated_disease_of(
    policy: PolicyParameters, admission: Admission, patient: Patient, *, hospital: Mapping[str, Any] | None = None
) -> TreatedDisease | None:
    """What the settlement's claim says the admission treats (None: not a 大病集中救治 admission);
    `hospital`: the registry's attributes in force on the service date, with its `designated_centre_for`."""
    disease = disease_of_diagnosis(policy, admission.diagnosis)
    if disease is None:
        return None
    treatment = patient.treatment_on(disease, admission.service_date())
    attributes = admission.hospital if hospital is None else hospital
    code = str(attributes.get("code", ""))
    registered_for = tuple(attributes.get("designated_centre_for", ()))
    return TreatedDisease(disease, treatment, is_designated_centre(policy, code, disease, registered_for))
