"""The direct command path (api.command_fast_path) answers byte for byte as FastAPI's full path.

One visit of the seeded county (registry, admission, charge lines, discharge, settlement) is sent twice
per command (the replay), with refusals between (a wrong hospital, an unknown token, a bad body, an
unknown query parameter, a mismatched Idempotency-Key), once as served and once with the direct path
turned off; status, headers and body of every answer must be the same, and the direct path must have
answered the commands it can take.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from api.access import AccessPolicy, Principal, Role
from api.command_fast_path import CommandRoute
from api.main import create_app
from bench.workload import county_plan, patient_commands, register_hospitals, visit_commands
from service.ledger import BenefitLedger
from service.settings import Settings

Answer = tuple[int, list[tuple[str, str]], bytes]


def _requests() -> list[tuple[str, str, bytes, dict[str, str]]]:
    """(path, query, body, headers) of one visit's commands, each twice, with refusals between."""
    plan = county_plan(0.1)
    visit = plan.visits[0]
    patient = next(p for p in plan.patients if p.ref == visit.patient_ref)
    json = {"Content-Type": "application/json"}
    admin = {**json, "Authorization": "Bearer tok-admin"}
    own = {**json, "Authorization": "Bearer tok-own"}
    other = {**json, "Authorization": "Bearer tok-other"}
    sent: list[tuple[str, str, bytes, dict[str, str]]] = []
    for command in patient_commands(plan, patient):
        path, body = command.http()
        sent += [(path, "", orjson.dumps(body), admin)] * 2
    for command in visit_commands(visit):
        path, body = command.http()
        payload = orjson.dumps(body)
        sent.append((path, "", payload, other))  # 403: not this hospital's admission
        sent.append((path, "", payload, {**json, "Authorization": "Bearer tok-unknown"}))  # 401
        sent.append((path, "", orjson.dumps({**body, "no_such_field": 1}), own))  # 422
        sent.append((path, "mnth=7", payload, own))  # 422: unknown query parameter
        sent.append((path, "", payload, {**own, "Idempotency-Key": "another-id"}))  # 422: two ids
        sent.append((path, "", payload[:-1], own))  # 422: not JSON
        sent += [(path, "", payload, own)] * 2  # 201, then the 200 replay
    return sent


def _transcript(tmp_path: Path, requests: list[tuple[str, str, bytes, dict[str, str]]]) -> list[Answer]:
    plan = county_plan(0.1)
    code = plan.visits[0].hospital.code
    other = next(v.hospital.code for v in plan.visits if v.hospital.code != code)
    access = AccessPolicy.from_tokens(
        {
            "tok-admin": Principal(name="registry", role=Role.ADMIN),
            "tok-own": Principal(name="own", role=Role.HOSPITAL, hospital=code),
            "tok-other": Principal(name="other", role=Role.HOSPITAL, hospital=other),
        }
    )
    ledger = BenefitLedger.from_settings(Settings(database_url="sqlite:///" + str(tmp_path / "l.db")))
    register_hospitals(ledger)
    answers: list[Answer] = []
    try:
        with TestClient(create_app(ledger=ledger, access=access)) as client:
            for path, query, body, headers in requests:
                response = client.post(path + (f"?{query}" if query else ""), content=body, headers=headers)
                answers.append((response.status_code, sorted(response.headers.items()), response.content))
    finally:
        ledger.close()
    return answers


def test_the_direct_path_answers_as_the_full_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requests = _requests()
    taken: list[bool] = []
    prepare = CommandRoute._prepare

    async def counted(*args: Any) -> Any:
        prepared = await prepare(*args)
        taken.append(prepared is not None)
        return prepared

    monkeypatch.setattr(CommandRoute, "_prepare", staticmethod(counted))
    direct = _transcript(tmp_path / "direct", requests)

    async def never(*args: Any) -> None:
        return None

    monkeypatch.setattr(CommandRoute, "_prepare", staticmethod(never))
    full = _transcript(tmp_path / "full", requests)

    assert [status for status, _, _ in direct].count(201) > 5
    assert {status for status, _, _ in direct} >= {200, 201, 401, 403, 422}
    assert direct == full
    # only well-formed requests went the direct path (with a known token: the policy reads its store first,
    # and again when its read ages, on the full path), and most of them did
    assert len(taken) == len(requests)
    assert all(_direct(*request[1:]) for request, direct_path in zip(requests, taken, strict=True) if direct_path)
    assert taken.count(True) > len(requests) // 3


def _direct(query: str, body: bytes, headers: dict[str, str]) -> bool:
    return (
        not query
        and headers["Authorization"] != "Bearer tok-unknown"
        and b"no_such_field" not in body
        and body.endswith(b"}")
    )
