"""Small builders for rule tests: claim facts, policy parameters, and a one-call year settlement.

    from .builders import DELETE, claim, policy, settle

    p = policy(**{"b351.cap_mode": "per_tier_additive", "ma.by_status.jiandanglika": DELETE})
    a = claim("A", tier=Tier.COUNTY, total="20000", compliant="19000")
    settlements, state = settle(a, policy=p)

    h = hainan_policy(**{"major_disease.non_designated": "refer"})
    settlements, state = settle(a, policy=h, version=HAINAN_VERSION)

Amounts may be given as str, int or Decimal (never float); they are normalised to fen
(exponent -2) through `parse_amount`, the ledger's own input parser.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from domain.money import parse_amount
from domain.policy.loader import DEFAULT_REGION, load_default_policy
from domain.policy.parameters import PolicyParameters
from domain.rules.cascade import settle_year
from domain.rules.claim import ClaimFacts
from domain.rules.settlement import Settlement
from domain.rules.year_state import YearState
from domain.vocabulary import PovertyStatus, Tier, Treatment, VisitKind

DEFAULT_VERSION = "langxi-2018.1"
HAINAN_REGION = "469030"
HAINAN_VERSION = "hainan-2017.1"
SERVICE_DATE = date(2018, 6, 1)

IN_COUNTY_TIERS = frozenset({Tier.TOWNSHIP, Tier.COUNTY})


class _Delete:
    """Override value meaning "remove this key from the tree"."""

    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()


def fen(amount: str | int | Decimal) -> Decimal:
    """An amount in fen (exponent -2); refuses floats and more than two decimal places."""
    return parse_amount(amount, field="builder amount")


def claim(
    claim_id: str = "A",
    *,
    kind: VisitKind = VisitKind.INPATIENT,
    tier: Tier = Tier.COUNTY,
    total: str | int | Decimal = "10000",
    compliant: str | int | Decimal | None = None,
    status: PovertyStatus = PovertyStatus.JIANDANGLIKA,
    in_county: bool | None = None,
    in_province: bool | None = None,
    designated: bool = True,
    referred: bool = False,
    service_date: date = SERVICE_DATE,
    chronic_certified: bool = False,
    major_diseases: tuple[str, ...] = (),
    disease_treated: str | None = None,
    treatment: Treatment | None = None,
    designated_centre: bool = False,
    charity_granted: str | int | Decimal = "0",
) -> ClaimFacts:
    """A `ClaimFacts` with sensible defaults: an in-county, designated, inpatient county admission
    of a 建档立卡 patient.

    * `compliant` defaults to `total` (everything in catalogue).
    * `in_county` defaults to True for township/county hospitals, False otherwise.
    * `in_province` defaults to True except for out-of-province hospitals.
    """
    total_fen = fen(total)
    return ClaimFacts(
        claim_id=claim_id,
        kind=kind,
        tier=tier,
        in_county=tier in IN_COUNTY_TIERS if in_county is None else in_county,
        in_province=tier is not Tier.OUT_OF_PROVINCE if in_province is None else in_province,
        designated=designated,
        referred=referred,
        service_date=service_date,
        total=total_fen,
        compliant=total_fen if compliant is None else fen(compliant),
        poverty_status=status,
        chronic_certified=chronic_certified,
        major_diseases=tuple(major_diseases),
        disease_treated=disease_treated,
        treatment=treatment,
        designated_centre=designated_centre,
        charity_granted=fen(charity_granted),
    )


def default_tree(region: str = DEFAULT_REGION) -> dict[str, Any]:
    """A deep copy of the shipped default policy's plain parameter tree (safe to mutate)."""
    return copy.deepcopy(load_default_policy(region).parameters)


def apply_overrides(tree: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set (or, with `DELETE`, remove) values at dotted paths in `tree`, in place; returns `tree`.

    Path segments index mappings by key and lists by integer ("cii.poor.bands.1.0").
    Every segment must already exist, so a misspelt path fails loudly (KeyError) instead of
    silently adding an unused key. To add a key, override its whole parent table.
    """
    for path, value in overrides.items():
        *parents, last = path.split(".")
        node: Any = tree
        for segment in parents:
            node = node[int(segment)] if isinstance(node, list) else node[segment]
        key: Any = int(last) if isinstance(node, list) else last
        if isinstance(node, Mapping) and key not in node:
            raise KeyError(f"policy override {path!r}: no such parameter in the default tree")
        if value is DELETE:
            del node[key]
        else:
            node[key] = copy.deepcopy(value)
    return tree


def policy_tree(**overrides: Any) -> dict[str, Any]:
    """The default plain tree with dotted-path overrides applied (`policy_tree(**{"b351.cap_mode": ...})`)."""
    return apply_overrides(default_tree(), overrides)


def policy(**overrides: Any) -> PolicyParameters:
    """Validated `PolicyParameters`: the default policy with dotted-path overrides applied.

    `policy()` is the shipped default; `policy(**{"s5090.mode": "target_actual_ratio"})` changes one
    leaf; `policy(**{"ma.by_status.jiandanglika": DELETE})` removes a table entry.
    """
    return PolicyParameters.from_mapping(policy_tree(**overrides))


def hainan_tree(**overrides: Any) -> dict[str, Any]:
    """The shipped Hainan (琼中, 469030) plain tree with dotted-path overrides applied."""
    return apply_overrides(default_tree(HAINAN_REGION), overrides)


def hainan_policy(**overrides: Any) -> PolicyParameters:
    """Validated `PolicyParameters` of the shipped Hainan default with dotted-path overrides applied."""
    return PolicyParameters.from_mapping(hainan_tree(**overrides))


def default_policy() -> PolicyParameters:
    """The shipped default policy, validated, without overrides."""
    return PolicyParameters.from_mapping(default_tree())


def settle(
    *claims: ClaimFacts,
    policy: PolicyParameters | None = None,
    version: str = DEFAULT_VERSION,
    state: YearState | None = None,
) -> tuple[list[Settlement], YearState]:
    """Settle `claims` in order, as one patient-year, all under the same policy version."""
    parameters = policy if policy is not None else default_policy()
    return settle_year(((c, parameters, version) for c in claims), state)
