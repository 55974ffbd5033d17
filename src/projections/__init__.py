"""Read-side models of the ledger, each rebuildable from the event log at any time.

store = open_store(Settings().store)                # SQLite sibling file or the PostgreSQL schema
Runner(ledger, store, catalog.select("all")).run_once()   # follow the log, exactly once
rebuild(ledger, store, "annual_totals")             # shadow tables, then an atomic swap
annual_totals(store, "P-1", 2018)                   # plain dicts, money as Decimal
"""

from projections.annual_totals import annual_totals, annual_totals_for_county, settlements_of_year
from projections.audit_trail import audit_trail, audit_trail_for_admission
from projections.catalog import PROJECTIONS
from projections.county_dashboard import county_dashboard, county_months
from projections.hospital_advances import audit_findings, hospital_entries, hospital_ledger
from projections.rebuild import rebuild, status
from projections.retro_compensation import retro_by_patient, retro_items, retro_payments
from projections.runner import Runner
from projections.store import open_store

__all__ = [
    "PROJECTIONS",
    "Runner",
    "annual_totals",
    "annual_totals_for_county",
    "audit_findings",
    "audit_trail",
    "audit_trail_for_admission",
    "county_dashboard",
    "county_months",
    "hospital_entries",
    "hospital_ledger",
    "open_store",
    "rebuild",
    "retro_by_patient",
    "retro_items",
    "retro_payments",
    "settlements_of_year",
    "status",
]
