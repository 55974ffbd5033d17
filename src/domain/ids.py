"""Deterministic aggregate ids: uuid5 of natural keys, so ids are found without a query
and a duplicate creation collides in the event store instead of making a twin."""

from __future__ import annotations

from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

NAMESPACE = uuid5(NAMESPACE_URL, "urn:benefit-ledger")
# ids are pure functions of their keys and asked for many times per command (a batch reads ahead by them):
# each is remembered, boundedly (a uuid5 is a SHA-1 and a UUID construction, ~3 us)
_remembered = lru_cache(maxsize=16_384)


@_remembered
def patient_id(patient_ref: str) -> UUID:
    return uuid5(NAMESPACE, f"patient/{patient_ref}")


@_remembered
def admission_id(admission_ref: str) -> UUID:
    return uuid5(NAMESPACE, f"admission/{admission_ref}")


@_remembered
def benefit_year_id(patient_ref: str, year: int) -> UUID:
    return uuid5(NAMESPACE, f"benefit-year/{patient_ref}/{year}")


@_remembered
def policy_version_id(region: str, version: str) -> UUID:
    return uuid5(NAMESPACE, f"policy/{region}/{version}")


@_remembered
def policy_register_id(region: str) -> UUID:
    return uuid5(NAMESPACE, f"policy-register/{region}")


@_remembered
def catalogue_register_id(region: str) -> UUID:
    return uuid5(NAMESPACE, f"catalogue-register/{region}")


@_remembered
def command_record_id(command_id: str) -> UUID:
    return uuid5(NAMESPACE, f"command/{command_id}")


def settlement_id(admission_ref: str, sequence: int) -> str:
    """A settlement is named by its admission and how many times that admission was settled."""
    return f"{admission_ref}#{sequence}"


def api_client_id(name: str) -> UUID:
    return uuid5(NAMESPACE, f"api-client/{name}")


def fund_budget_id(fund: str, county_code: str, year: int) -> UUID:
    return uuid5(NAMESPACE, f"fund-budget/{fund}/{county_code}/{year}")


def payment_run_id(run_id: str) -> UUID:
    return uuid5(NAMESPACE, f"payment-run/{run_id}")


def roster_version_id(county_code: str, roster_ref: str) -> UUID:
    return uuid5(NAMESPACE, f"roster/{county_code}/{roster_ref}")


@_remembered
def year_close_id(county_code: str, year: int) -> UUID:
    return uuid5(NAMESPACE, f"year-close/{county_code}/{year}")
