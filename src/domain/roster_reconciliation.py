"""Roster reconciliation (部门间数据比对): the poverty office's list against the ledger's registry. Pure.

Kinds of difference, for a roster dated `as_of`:

* `not_registered`: on the list, no registered patient has the ID number;
* `not_enrolled`: on the list and registered, not enrolled in basic insurance for `as_of`'s year;
* `not_on_list`: registered as poor on `as_of`, not on the list;
* `status_differences`: on the list with another status than the registry's on `as_of`.

And the county's enrolment figures over the poor on the list: 参保率 (enrolled / on the list) and
参保补贴落实率 (premium paid by the state / enrolled).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.vocabulary import PovertyStatus


@dataclass(frozen=True)
class RegisteredPerson:
    patient_ref: str
    key: str | None  # keyed HMAC of the ID number, None when the registry holds none
    status: PovertyStatus  # on the roster's date
    enrolled: bool  # in the roster date's year
    premium_paid_by_state: bool


def reconcile(
    entries: Iterable[Mapping[str, Any]],
    people: Iterable[RegisteredPerson],
    poor: frozenset[PovertyStatus],
) -> dict[str, Any]:
    people = list(people)
    by_key = {p.key: p for p in people if p.key is not None}
    listed: set[str] = set()
    not_registered, not_enrolled, differences = [], [], []
    poor_on_list = enrolled = subsidised = 0
    for index, entry in enumerate(entries):
        listed.add(entry["key"])
        person = by_key.get(entry["key"])
        roster_status = PovertyStatus(entry["status"])
        is_poor = roster_status in poor
        poor_on_list += is_poor
        if person is None:
            not_registered.append({"entry": index, "household": entry["household"], "status": roster_status.value})
            continue
        if not person.enrolled:
            not_enrolled.append({"patient_ref": person.patient_ref, "household": entry["household"]})
        elif is_poor:
            enrolled += 1
            subsidised += person.premium_paid_by_state
        if person.status is not roster_status:
            differences.append(
                {
                    "patient_ref": person.patient_ref,
                    "household": entry["household"],
                    "ledger_status": person.status.value,
                    "roster_status": roster_status.value,
                    "effective_from": entry["effective_from"],
                }
            )
    not_on_list = [
        {"patient_ref": p.patient_ref, "status": p.status.value, "id_registered": p.key is not None}
        for p in sorted(people, key=lambda p: p.patient_ref)
        if p.status in poor and p.key not in listed
    ]
    return {
        "on_list": len(listed),
        "not_registered": not_registered,
        "not_enrolled": sorted(not_enrolled, key=lambda d: d["patient_ref"]),
        "not_on_list": not_on_list,
        "status_differences": sorted(differences, key=lambda d: d["patient_ref"]),
        "enrolment": {"poor_on_list": poor_on_list, "enrolled": enrolled, "premium_paid_by_state": subsidised},
    }
