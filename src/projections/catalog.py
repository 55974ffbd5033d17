"""The projections this ledger maintains, by name."""

from __future__ import annotations

from projections.annual_totals import PROJECTION as ANNUAL_TOTALS
from projections.audit_trail import PROJECTION as AUDIT_TRAIL
from projections.county_dashboard import PROJECTION as COUNTY_DASHBOARD
from projections.county_detail import PROJECTION as COUNTY_DETAIL
from projections.hospital_advances import PROJECTION as HOSPITAL_ADVANCES
from projections.hospital_months import PROJECTION as BULLETIN_HOSPITALS
from projections.projection import Projection
from projections.recalculations_pending import PROJECTION as RECALCULATIONS_PENDING
from projections.retro_compensation import PROJECTION as RETRO_COMPENSATION
from projections.search_index import PROJECTION as SEARCH_INDEX

PROJECTIONS: dict[str, Projection] = {
    p.name: p
    for p in (
        ANNUAL_TOTALS,
        RETRO_COMPENSATION,
        AUDIT_TRAIL,
        HOSPITAL_ADVANCES,
        COUNTY_DASHBOARD,
        COUNTY_DETAIL,
        BULLETIN_HOSPITALS,
        SEARCH_INDEX,
        RECALCULATIONS_PENDING,
    )
}


class UnknownProjectionError(ValueError):
    pass


def select(names: list[str] | tuple[str, ...] | str | None) -> list[Projection]:
    """Projections by name; None or "all" means every one."""
    if names is None or names == "all" or list(names) == ["all"]:
        return list(PROJECTIONS.values())
    if isinstance(names, str):
        names = [names]
    unknown = [n for n in names if n not in PROJECTIONS]
    if unknown:
        raise UnknownProjectionError(f"unknown projection {unknown[0]!r} (choose from: all, {', '.join(PROJECTIONS)})")
    return [PROJECTIONS[n] for n in dict.fromkeys(names)]
