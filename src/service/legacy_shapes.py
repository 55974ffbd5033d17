"""From the shapes clients sent before the registries to the registry and catalogue commands.

Before the hospital registry, an admission carried its hospital's attributes (`{"code", "name", "tier",
"county_code", "in_county", "in_province", "designated"}`); before the catalogue, a charge line carried its
amount and a `compliant` flag. Tests, benches, the generator and the demo describe hospitals and lines that
way; these helpers register such a hospital (admin) and bill such a line through a catalogue item of the
shipped illustrative catalogues (category totals: `G-<CATEGORY>` in catalogue, `S-<CATEGORY>` self-pay), so
the amounts settle to the fen as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from domain.errors import AlreadyExistsError
from service.commands import PostChargeLine, RegisterHospital

REGISTERED_FROM = date(2000, 1, 1)
IN_CATALOGUE = {
    "drug": "G-DRUGS",
    "drugs": "G-DRUGS",
    "lab": "G-LAB",
    "exams": "G-EXAMS",
    "treatment": "G-TREATMENT",
    "bed": "G-BED",
    "nursing": "G-NURSING",
    "materials": "G-MATERIALS",
    "surgery": "G-SURGERY",
}
SELF_PAY = {"drug": "S-DRUGS", "drugs": "S-DRUGS", "materials": "S-MATERIALS"}


class Handles(Protocol):
    def handle(self, command: Any) -> dict[str, Any]: ...


def register_hospital_command(
    hospital: Mapping[str, Any], *, effective_from: date = REGISTERED_FROM
) -> RegisterHospital:
    """The registration of a hospital described the old way (its command id: `hospital:<code>:register`)."""
    return RegisterHospital(
        command_id=f"hospital:{hospital['code']}:register",
        hospital_code=hospital["code"],
        name=hospital.get("name") or hospital["code"],
        tier=hospital["tier"],
        county_code=hospital["county_code"],
        township=hospital.get("township", ""),
        in_province=hospital.get("in_province", hospital["tier"] != "out_of_province"),
        ncms_designated=hospital.get("designated", True),
        designated_centre_for=list(hospital.get("designated_centre_for", [])),
        effective_from=effective_from,
    )


def ensure_hospital(ledger: Handles, hospital: Mapping[str, Any]) -> str:
    """Register the hospital unless it is already registered; its code."""
    try:
        ledger.handle(register_hospital_command(hospital))
    except AlreadyExistsError:  # registered under another command id
        pass
    return str(hospital["code"])


def item_code_for(category: str, compliant: bool) -> str:
    """The illustrative catalogue item billing a category's total (in catalogue, or self-pay)."""
    if compliant:
        return IN_CATALOGUE.get(category, "G-TREATMENT")
    return SELF_PAY.get(category, "S-TREATMENT")


def charge_line(
    *, command_id: str, admission_ref: str, line_no: str, category: str, amount: Decimal | str, compliant: bool
) -> PostChargeLine:
    """A pre-classified line as a catalogue line: quantity 1 of the category item at the amount."""
    return PostChargeLine(
        command_id=command_id,
        admission_ref=admission_ref,
        line_no=line_no,
        item_code=item_code_for(category, compliant),
        quantity=1,
        unit_price=Decimal(str(amount)),
        category=category,
    )
