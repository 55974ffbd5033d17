"""Policy data of Hainan's 大病集中救治一批 (concentrated treatment of major diseases).

The programme's diseases, the designated centres (定点医院) per disease, and the single-disease
payment standards (单病种收费标准) per disease, treatment and hospital level, each an
effective-dated list of rows. In a policy file:

    [major_disease]
    diseases = ["esophageal_cancer", ...]
    non_designated = "pay_without_standard"      # or "refer"
    [major_disease.centres]
    esophageal_cancer = ["HN-TUMOUR"]             # hospital codes of the designated centres
    [major_disease.centre_names]
    HN-TUMOUR = "海南省肿瘤医院"
    [major_disease.standards.esophageal_cancer.surgery]
    province = [["2017-08-11", "50000"], ["2019-01-01", "52000"]]   # [effective_from, amount or "none"]

The rule that applies these is `domain.rules.major_disease_treatment`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.policy import parsing as p
from domain.vocabulary import Payer, PovertyStatus, Tier, Treatment


class NonDesignatedHandling(str, Enum):
    """What a major-disease admission at a hospital not designated for that disease gets."""

    PAY_WITHOUT_STANDARD = "pay_without_standard"  # flagged; all payers pay, no single-disease cap
    REFER = "refer"  # flagged; the payers in `referral_excluded_payers` do not pay


class ExcessAllocation(str, Enum):
    """Which part of the bill the cost above a single-disease standard is taken from."""

    NONCOMPLIANT_FIRST = "noncompliant_first"  # out-of-catalogue cost first, then compliant cost
    PRO_RATA = "pro_rata"  # compliant and non-compliant cost in proportion to the bill


@dataclass(frozen=True)
class StandardRow:
    """One effective-dated single-disease payment standard; `amount` None withdraws the standard."""

    effective_from: date
    amount: Decimal | None


@dataclass(frozen=True)
class MajorDiseaseRule:
    diseases: tuple[str, ...]
    statuses: tuple[PovertyStatus, ...]
    requires_confirmed_diagnosis: bool
    non_designated: NonDesignatedHandling
    referral_excluded_payers: tuple[Payer, ...]
    excess_allocation: ExcessAllocation
    centres: Mapping[str, tuple[str, ...]]  # disease -> hospital codes of its designated centres
    centre_names: Mapping[str, str]  # hospital code -> name (names, not parameters)
    standards: Mapping[tuple[str, Treatment, Tier], tuple[StandardRow, ...]]  # rows in effective_from order

    def is_designated_centre(self, disease: str, hospital_code: str) -> bool:
        """True when the policy lists `hospital_code` as a designated centre for `disease`."""
        return hospital_code in self.centres.get(disease, ())

    def standard_on(self, disease: str, treatment: Treatment, tier: Tier, day: date) -> StandardRow | None:
        """The standard row in force on `day` (latest effective_from on or before it), None if there is none."""
        chosen = None
        for row in self.standards.get((disease, treatment, tier), ()):
            if row.effective_from <= day:
                chosen = row
        return chosen if chosen is not None and chosen.amount is not None else None


def parse_major_disease(tree: Mapping[str, Any], path: str, known_diseases: Mapping[str, str]) -> MajorDiseaseRule:
    """Validate the [major_disease] section; `known_diseases` are the policy's named disease codes."""
    diseases = p.string_list(tree, "diseases", path)
    unknown = [d for d in diseases if known_diseases and d not in known_diseases]
    if unknown:
        raise p.PolicyError(f"{path}.diseases: {', '.join(unknown)} has no name in diseases.names_zh")
    centres_tree = tree.get("centres", {})
    centres = {
        disease: p.string_list(p.table(centres_tree, f"{path}.centres"), disease, f"{path}.centres")
        for disease in p.table(centres_tree, f"{path}.centres")
    }
    for disease in centres:
        if disease not in diseases:
            raise p.PolicyError(f"{path}.centres.{disease}: not one of {path}.diseases")
    return MajorDiseaseRule(
        diseases=diseases,
        statuses=p.enum_list(tree, "statuses", path, PovertyStatus),
        requires_confirmed_diagnosis=p.boolean(tree, "requires_confirmed_diagnosis", path),
        non_designated=p.enum_value(tree, "non_designated", path, NonDesignatedHandling),
        referral_excluded_payers=p.enum_list(tree, "referral_excluded_payers", path, Payer),
        excess_allocation=p.enum_value(tree, "excess_allocation", path, ExcessAllocation),
        centres=centres,
        centre_names={str(k): str(v) for k, v in p.table(tree.get("centre_names", {}), f"{path}.centre_names").items()},
        standards=_standards(tree.get("standards", {}), f"{path}.standards", diseases),
    )


def _standards(
    tree: Any, path: str, diseases: tuple[str, ...]
) -> dict[tuple[str, Treatment, Tier], tuple[StandardRow, ...]]:
    out: dict[tuple[str, Treatment, Tier], tuple[StandardRow, ...]] = {}
    for disease, by_treatment in p.table(tree, path).items():
        if disease not in diseases:
            raise p.PolicyError(f"{path}.{disease}: not one of the programme's diseases")
        for treatment_key, by_tier in p.table(by_treatment, f"{path}.{disease}").items():
            treatment = p.parse_enum(treatment_key, f"{path}.{disease}.{treatment_key}", Treatment)
            for tier_key, rows in p.table(by_tier, f"{path}.{disease}.{treatment_key}").items():
                where = f"{path}.{disease}.{treatment_key}.{tier_key}"
                tier = p.parse_enum(tier_key, where, Tier)
                out[(disease, treatment, tier)] = _rows(rows, where)
    return out


def _rows(raw: Any, where: str) -> tuple[StandardRow, ...]:
    if not isinstance(raw, (list, tuple)) or not raw:
        raise p.PolicyError(f"{where}: expected a list of [effective_from, amount]")
    rows: list[StandardRow] = []
    for i, row in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(row, (list, tuple)) or len(row) != 2:
            raise p.PolicyError(f"{at}: expected [effective_from, amount]")
        cells = {"effective_from": row[0], "amount": row[1]}
        effective_from = p.iso_date(cells, "effective_from", at)
        assert effective_from is not None
        amount = p.optional_decimal(cells, "amount", at)
        if amount is not None:
            if amount <= 0:
                raise p.PolicyError(f'{at}.amount: a standard must be above 0 (write "none" to withdraw it)')
            exponent = amount.as_tuple().exponent
            if not isinstance(exponent, int) or exponent < -2:
                raise p.PolicyError(f"{at}.amount: {row[1]!r} is not a whole number of fen")
        if rows and effective_from <= rows[-1].effective_from:
            raise p.PolicyError(f"{at}: effective_from dates must increase")
        rows.append(StandardRow(effective_from, amount))
    return tuple(rows)
