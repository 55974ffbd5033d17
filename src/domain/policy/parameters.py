"""The parameters of one policy version, as typed, validated, immutable values.

Shape follows Appendix B of benefit-rules-research.md. Build with
`PolicyParameters.from_mapping(plain_tree)`; the plain tree is what events store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from domain.policy import parsing as p
from domain.policy.health_management import HealthManagementRule, parse_health_management
from domain.policy.major_disease import MajorDiseaseRule, parse_major_disease
from domain.vocabulary import Payer, PovertyStatus, Tier, VisitKind

R = TypeVar("R")


class CapMode(str, Enum):
    MAX_TIER = "max_tier"  # one annual cap: that of the highest tier used so far
    PER_TIER_ADDITIVE = "per_tier_additive"  # a separate cap bucket per tier


class SupplementMode(str, Enum):
    RATIO_ABOVE_THRESHOLD = "ratio_above_threshold"  # H1
    TARGET_ACTUAL_RATIO = "target_actual_ratio"  # H2


class TargetBase(str, Enum):
    TOTAL = "total"
    COMPLIANT = "compliant"


class YearAssignment(str, Enum):
    DISCHARGE_DATE = "discharge_date"
    ADMISSION_DATE = "admission_date"


@dataclass(frozen=True)
class TierRule:
    deductible: Decimal
    ratio: Decimal


@dataclass(frozen=True)
class Band:
    lower: Decimal
    upper: Decimal | None
    ratio: Decimal


@dataclass(frozen=True)
class NcmsRule:
    tiers: Mapping[Tier, TierRule]
    annual_cap: Decimal
    unreferred_ratio_factor: Decimal  # multiplies the ratio for out-of-county care without referral
    poor_deductible_factor: Decimal
    poor_ratio_uplift: Decimal
    outpatient_chronic: TierRule
    outpatient_chronic_annual_cap: Decimal


@dataclass(frozen=True)
class CiiRule:
    threshold: Decimal
    bands: tuple[Band, ...]
    cap: Decimal | None


@dataclass(frozen=True)
class AssistanceRule:
    ratio: Decimal
    annual_cap: Decimal


@dataclass(frozen=True)
class BackstopRule:
    caps: Mapping[Tier, Decimal]  # keyed by cap class (county, city, province)
    cap_class_of_tier: Mapping[Tier, Tier]
    cap_mode: CapMode
    statuses: tuple[PovertyStatus, ...]
    requires_in_province: bool
    requires_designated: bool
    requires_referral_out_of_county: bool


@dataclass(frozen=True)
class ChronicSupplementRule:
    ratio: Decimal
    annual_cap: Decimal | None
    statuses: tuple[PovertyStatus, ...]


@dataclass(frozen=True)
class MajorDiseaseSupplementRule:
    mode: SupplementMode
    threshold: Decimal
    ratio: Decimal
    target_ratio: Decimal
    target_base: TargetBase
    annual_cap: Decimal | None
    diseases: tuple[str, ...]
    effective_from: date | None
    statuses: tuple[PovertyStatus, ...]


@dataclass(frozen=True)
class ReassistanceRule:
    threshold: Decimal
    ratio: Decimal
    annual_cap: Decimal | None
    statuses: tuple[PovertyStatus, ...]
    requires_in_province: bool
    requires_designated: bool
    payout: str = "window"
    """"window" (advanced by the hospital at settlement), "after_year" or "periodic" (owed to the household
    and paid by payment runs, 批量发放)"""

    @property
    def deferred(self) -> bool:
        return self.payout != "window"


REASSIST_PAYOUTS = ("window", "after_year", "periodic")


@dataclass(frozen=True)
class HealthPovertyInsuranceRule:
    """Hainan 健康扶贫补充保险: banded, on the annual cumulative compliant self-pay that reaches it."""

    statuses: tuple[PovertyStatus, ...]
    threshold: Decimal
    bands: tuple[Band, ...]
    annual_cap: Decimal | None
    requires_in_province: bool
    requires_designated: bool


@dataclass(frozen=True)
class CharityRule:
    """慈善医疗救助: a ratio of what is left, paid out of the charity grants recorded for the patient-year."""

    statuses: tuple[PovertyStatus, ...]
    ratio: Decimal
    annual_cap: Decimal | None


@dataclass(frozen=True)
class HospitalBorneRule:
    enabled: bool
    out_of_catalogue_share_limit: Decimal
    statuses: tuple[PovertyStatus, ...]


@dataclass(frozen=True)
class AuditRule:
    patient_hold_harmless: bool
    recompute_downstream_layers: bool


@dataclass(frozen=True)
class DiseaseCatalogue:
    major_hainan: tuple[str, ...]
    chronic: tuple[str, ...]
    names_zh: Mapping[str, str]


# The section each optional payer layer reads; a cascade may list the payer only when its section is there.
PAYER_SECTIONS = {
    Payer.B351: "b351",
    Payer.S180: "s180",
    Payer.S5090: "s5090",
    Payer.REASSIST: "reassist",
    Payer.HPSI: "hpsi",
    Payer.CHARITY: "charity",
}


@dataclass(frozen=True)
class PolicyParameters:
    """One region's parameters. Basic insurance, 大病保险 and 医疗救助 are in every policy; the other
    layers (Langxi's 351/180/5090/再救助, Hainan's 健康扶贫补充保险 and charity) and the 大病集中救治
    rules are present only where the region has them (None otherwise)."""

    cascade: Mapping[VisitKind, tuple[Payer, ...]]
    year_assignment: YearAssignment
    poor_statuses: tuple[PovertyStatus, ...]
    ncms: NcmsRule
    cii_poor: CiiRule
    cii_general: CiiRule
    assistance: Mapping[PovertyStatus, AssistanceRule]
    b351: BackstopRule | None
    s180: ChronicSupplementRule | None
    s5090: MajorDiseaseSupplementRule | None
    reassist: ReassistanceRule | None
    hospital_borne: HospitalBorneRule
    audit: AuditRule
    allow_patient_clawback: bool
    diseases: DiseaseCatalogue
    hpsi: HealthPovertyInsuranceRule | None = None
    charity: CharityRule | None = None
    major_disease: MajorDiseaseRule | None = None
    health_management: HealthManagementRule | None = None
    settlement_days_after_discharge: int = 0
    """how many days after the discharge a settlement may still be made ([settlement]; absent: 0, at discharge)"""
    late_claims_after_close: str = "closed_year"
    """[year_close] late_claims: a 零星报销 claim after the county-year's close settles as an adjustment
    against the closed year ("closed_year", `settle_late_claim`) or is refused ("refused")"""

    @classmethod
    def from_mapping(cls, tree: Mapping[str, Any]) -> PolicyParameters:
        """Validate a plain parameter tree (annotated leaves are unwrapped first)."""
        plain, _ = p.unwrap(tree)
        return _build(plain)


def required(rule: R | None, payer: Payer) -> R:
    """The rule of a payer layer the cascade runs (validation guarantees it is there)."""
    if rule is None:
        raise p.PolicyError(f"{PAYER_SECTIONS[payer]}: missing section (the cascade lists {payer.value})")
    return rule


def _tier_key(key: str, path: str) -> Tier:
    return p.parse_enum(key, f"{path}.{key}", Tier)


def _status_key(key: str, path: str) -> PovertyStatus:
    return p.parse_enum(key, f"{path}.{key}", PovertyStatus)


def _tier_rule(tree: Mapping[str, Any], path: str) -> TierRule:
    tree = p.table(tree, path)
    return TierRule(deductible=p.decimal(tree, "deductible", path), ratio=p.decimal(tree, "ratio", path, ratio=True))


def _bands(tree: Mapping[str, Any], path: str) -> tuple[Band, ...]:
    raw = tree.get("bands")
    if not isinstance(raw, (list, tuple)) or not raw:
        raise p.PolicyError(f"{path}.bands: expected a list of [lower, upper, ratio]")
    bands: list[Band] = []
    for i, row in enumerate(raw):
        where = f"{path}.bands[{i}]"
        if not isinstance(row, (list, tuple)) or len(row) != 3:
            raise p.PolicyError(f"{where}: expected [lower, upper, ratio]")
        cells = {"lower": row[0], "upper": row[1], "ratio": row[2]}
        band = Band(
            p.decimal(cells, "lower", where),
            p.optional_decimal(cells, "upper", where),
            p.decimal(cells, "ratio", where, ratio=True),
        )
        if band.upper is not None and band.upper <= band.lower:
            raise p.PolicyError(f"{where}: upper must exceed lower")
        if bands and bands[-1].upper != band.lower:
            raise p.PolicyError(f"{where}: bands must be contiguous")
        bands.append(band)
    return tuple(bands)


def _assistance(tree: Any, path: str) -> AssistanceRule:
    tree = p.table(tree, path)
    return AssistanceRule(p.decimal(tree, "ratio", path, ratio=True), p.decimal(tree, "annual_cap", path))


def _cii(tree: Mapping[str, Any], path: str) -> CiiRule:
    rule = CiiRule(p.decimal(tree, "threshold", path), _bands(tree, path), p.optional_decimal(tree, "cap", path))
    if rule.bands[0].lower != rule.threshold:
        raise p.PolicyError(f"{path}.bands[0]: the first band must start at the threshold")
    return rule


def _ncms(tree: Mapping[str, Any], path: str) -> NcmsRule:
    tiers_tree = p.section(tree, "tiers", path)
    tiers = {Tier(k): _tier_rule(v, f"{path}.tiers.{k}") for k, v in tiers_tree.items() if k in Tier._value2member_map_}
    missing = [t.value for t in Tier if t not in tiers]
    if missing:
        raise p.PolicyError(f"{path}.tiers: missing {', '.join(missing)}")
    poor = p.section(tree, "poor_adjust", path)
    return NcmsRule(
        tiers=tiers,
        annual_cap=p.decimal(tree, "annual_cap", path),
        unreferred_ratio_factor=p.decimal(tree, "unreferred_ratio_factor", path, ratio=True),
        poor_deductible_factor=p.decimal(poor, "deductible_factor", f"{path}.poor_adjust", ratio=True),
        poor_ratio_uplift=p.decimal(poor, "ratio_uplift", f"{path}.poor_adjust", ratio=True),
        outpatient_chronic=_tier_rule(p.section(tree, "outpatient_chronic", path), f"{path}.outpatient_chronic"),
        outpatient_chronic_annual_cap=p.decimal(
            p.section(tree, "outpatient_chronic", path), "annual_cap", f"{path}.outpatient_chronic"
        ),
    )


def _b351(tree: Mapping[str, Any], path: str) -> BackstopRule:
    caps = p.section(tree, "caps", path)
    cap_classes = p.section(tree, "cap_class_of_tier", path)
    rule = BackstopRule(
        caps={_tier_key(k, f"{path}.caps"): p.decimal(caps, k, f"{path}.caps") for k in caps},
        cap_class_of_tier={
            _tier_key(k, f"{path}.cap_class_of_tier"): p.enum_value(cap_classes, k, f"{path}.cap_class_of_tier", Tier)
            for k in cap_classes
        },
        cap_mode=p.enum_value(tree, "cap_mode", path, CapMode),
        statuses=p.enum_list(tree, "statuses", path, PovertyStatus),
        requires_in_province=p.boolean(tree, "requires_in_province", path),
        requires_designated=p.boolean(tree, "requires_designated", path),
        requires_referral_out_of_county=p.boolean(tree, "requires_referral_out_of_county", path),
    )
    for tier, cap_class in rule.cap_class_of_tier.items():
        if cap_class not in rule.caps:
            raise p.PolicyError(f"{path}.cap_class_of_tier.{tier.value}: no cap for class {cap_class.value}")
    return rule


def _optional(t: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    return None if t.get(key) is None else p.section(t, key, "")


def _cascade(t: Mapping[str, Any]) -> dict[VisitKind, tuple[Payer, ...]]:
    cascade = p.section(t, "cascade", "")
    out = {kind: p.enum_list(cascade, kind.value, "cascade", Payer) for kind in VisitKind}
    for kind, payers in out.items():
        for i, payer in enumerate(payers):
            section = PAYER_SECTIONS.get(payer)
            if section is not None and t.get(section) is None:
                raise p.PolicyError(f"cascade.{kind.value}[{i}]: {payer.value} needs a [{section}] section")
    return out


def _build(t: Mapping[str, Any]) -> PolicyParameters:
    _check_rounding(t)
    cii = p.section(t, "cii", "")
    ma = p.section(t, "ma", "")
    hb = p.section(t, "hospital_borne", "")
    audit = p.section(t, "audit", "")
    b351, s180, s5090, re = (_optional(t, key) for key in ("b351", "s180", "s5090", "reassist"))
    hpsi, charity, major = (_optional(t, key) for key in ("hpsi", "charity", "major_disease"))
    health = _optional(t, "health_management")
    diseases = _diseases(p.section(t, "diseases", ""), "diseases")
    return PolicyParameters(
        cascade=_cascade(t),
        year_assignment=p.enum_value(p.section(t, "year", ""), "assignment", "year", YearAssignment),
        poor_statuses=p.enum_list(p.section(t, "poor", ""), "statuses", "poor", PovertyStatus),
        ncms=_ncms(p.section(t, "ncms", ""), "ncms"),
        cii_poor=_cii(p.section(cii, "poor", "cii"), "cii.poor"),
        cii_general=_cii(p.section(cii, "general", "cii"), "cii.general"),
        assistance={
            _status_key(k, "ma.by_status"): _assistance(v, f"ma.by_status.{k}")
            for k, v in p.section(ma, "by_status", "ma").items()
        },
        b351=None if b351 is None else _b351(b351, "b351"),
        s180=None if s180 is None else _s180(s180, "s180"),
        s5090=None if s5090 is None else _s5090(s5090, "s5090"),
        reassist=None if re is None else _reassist(re, "reassist"),
        hospital_borne=HospitalBorneRule(
            p.boolean(hb, "enabled", "hospital_borne"),
            p.decimal(hb, "out_of_catalogue_share_limit", "hospital_borne", ratio=True),
            p.enum_list(hb, "statuses", "hospital_borne", PovertyStatus),
        ),
        audit=AuditRule(
            p.boolean(audit, "patient_hold_harmless", "audit"), p.boolean(audit, "recompute_downstream_layers", "audit")
        ),
        allow_patient_clawback=p.boolean(p.section(t, "retro", ""), "allow_patient_clawback", "retro"),
        diseases=diseases,
        hpsi=None if hpsi is None else _hpsi(hpsi, "hpsi"),
        charity=None if charity is None else _charity(charity, "charity"),
        major_disease=None if major is None else parse_major_disease(major, "major_disease", diseases.names_zh),
        health_management=None if health is None else parse_health_management(health, "health_management"),
        settlement_days_after_discharge=_days_after_discharge(t),
        late_claims_after_close=_late_claims(t),
    )


LATE_CLAIM_RULES = ("closed_year", "refused")


def _late_claims(t: Mapping[str, Any]) -> str:
    """`[year_close] late_claims` is optional (versions published before it existed: "closed_year")."""
    section = _optional(t, "year_close")
    if section is None or "late_claims" not in section:
        return "closed_year"
    value = section["late_claims"]
    if not isinstance(value, str) or value not in LATE_CLAIM_RULES:
        raise p.PolicyError(f"year_close.late_claims: {value!r} is not one of {', '.join(LATE_CLAIM_RULES)}")
    return value


def _days_after_discharge(t: Mapping[str, Any]) -> int:
    settlement = _optional(t, "settlement")
    if settlement is None:
        return 0
    days = p.decimal(settlement, "days_after_discharge", "settlement", default=Decimal(0))
    if days != days.to_integral_value() or not 0 <= days <= 3660:
        raise p.PolicyError(f"settlement.days_after_discharge: {days} is not a whole number of days (0 to 3660)")
    return int(days)


def _s180(tree: Mapping[str, Any], path: str) -> ChronicSupplementRule:
    return ChronicSupplementRule(
        p.decimal(tree, "ratio", path, ratio=True),
        p.optional_decimal(tree, "annual_cap", path),
        p.enum_list(tree, "statuses", path, PovertyStatus),
    )


def _s5090(tree: Mapping[str, Any], path: str) -> MajorDiseaseSupplementRule:
    return MajorDiseaseSupplementRule(
        mode=p.enum_value(tree, "mode", path, SupplementMode),
        threshold=p.decimal(tree, "threshold", path),
        ratio=p.decimal(tree, "ratio", path, ratio=True),
        target_ratio=p.decimal(tree, "target_ratio", path, ratio=True),
        target_base=p.enum_value(tree, "target_base", path, TargetBase),
        annual_cap=p.optional_decimal(tree, "annual_cap", path),
        diseases=p.string_list(tree, "diseases", path),
        effective_from=p.iso_date(tree, "effective_from", path, default=None),
        statuses=p.enum_list(tree, "statuses", path, PovertyStatus),
    )


def _reassist(tree: Mapping[str, Any], path: str) -> ReassistanceRule:
    return ReassistanceRule(
        threshold=p.decimal(tree, "threshold", path),
        ratio=p.decimal(tree, "ratio", path, ratio=True),
        annual_cap=p.optional_decimal(tree, "annual_cap", path),
        statuses=p.enum_list(tree, "statuses", path, PovertyStatus),
        requires_in_province=p.boolean(tree, "requires_in_province", path),
        requires_designated=p.boolean(tree, "requires_designated", path),
        payout=_payout(tree, path),
    )


def _payout(tree: Mapping[str, Any], path: str) -> str:
    """`payout` is optional (versions published before it existed pay at the window)."""
    if "payout" not in tree:
        return "window"
    value = tree["payout"]
    if not isinstance(value, str) or value not in REASSIST_PAYOUTS:
        raise p.PolicyError(f"{path}.payout: {value!r} is not one of {', '.join(REASSIST_PAYOUTS)}")
    return value


def _hpsi(tree: Mapping[str, Any], path: str) -> HealthPovertyInsuranceRule:
    rule = HealthPovertyInsuranceRule(
        statuses=p.enum_list(tree, "statuses", path, PovertyStatus),
        threshold=p.decimal(tree, "threshold", path),
        bands=_bands(tree, path),
        annual_cap=p.optional_decimal(tree, "annual_cap", path),
        requires_in_province=p.boolean(tree, "requires_in_province", path),
        requires_designated=p.boolean(tree, "requires_designated", path),
    )
    if rule.bands[0].lower != rule.threshold:
        raise p.PolicyError(f"{path}.bands[0]: the first band must start at the threshold")
    return rule


def _charity(tree: Mapping[str, Any], path: str) -> CharityRule:
    return CharityRule(
        statuses=p.enum_list(tree, "statuses", path, PovertyStatus),
        ratio=p.decimal(tree, "ratio", path, ratio=True),
        annual_cap=p.optional_decimal(tree, "annual_cap", path),
    )


def _diseases(tree: Mapping[str, Any], path: str) -> DiseaseCatalogue:
    names = tree.get("names_zh", {})
    if not isinstance(names, Mapping):
        raise p.PolicyError(f"{path}.names_zh: expected a table of code = name")
    return DiseaseCatalogue(
        p.string_list(tree, "major_hainan", path, default=()),
        p.string_list(tree, "chronic_langxi", path, default=()),
        {str(k): str(v) for k, v in names.items()},
    )


def _check_rounding(t: Mapping[str, Any]) -> None:
    rounding = p.section(t, "rounding", "")
    if str(rounding.get("unit")) != "0.01":
        raise p.PolicyError(
            f'rounding.unit: {rounding.get("unit")!r} is not supported; the ledger settles to the fen ("0.01")'
        )
    if rounding.get("mode") != "half_up":
        raise p.PolicyError(
            f'rounding.mode: {rounding.get("mode")!r} is not supported; the ledger rounds half up ("half_up")'
        )
