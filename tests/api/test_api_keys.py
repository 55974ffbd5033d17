"""API keys kept in the store: /admin/api-keys adds, rotates and revokes clients; each change counts on the next
request, without a restart and from any process; auditors replay the key events, which hold no token."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from role_client import ACCESS, bearer

from api.access_keys import KEYS_REFRESH_S
from api.main import create_app
from service.commands import AddApiClient, RevokeApiClient
from service.ledger import BenefitLedger
from service.settings import Settings

ADMIN, AUDITOR, DASHBOARD = bearer("tok-admin"), bearer("tok-auditor"), bearer("tok-dashboard")
PROBLEM = "application/problem+json"


def _token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture
def served(store_url: str) -> Iterator[tuple[TestClient, BenefitLedger, str]]:
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    with TestClient(create_app(ledger=ledger, access=ACCESS)) as client:
        yield client, ledger, store_url
    ledger.close()


def _reads(client: TestClient, token: str) -> int:
    """A dashboard-readable route, as the client whose token this is."""
    return client.get("/policy-versions/341821", headers=bearer(token)).status_code


def test_add_rotate_revoke_over_http_each_effective_on_the_next_request(
    served: tuple[TestClient, BenefitLedger, str],
) -> None:
    client, ledger, _ = served
    token, digest = _token()
    assert _reads(client, token) == 401
    added = client.post(
        "/admin/api-keys",
        json={"command_id": "k1", "name": "county-dash", "role": "dashboard", "token_sha256": digest},
        headers=ADMIN,
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["name"] == "county-dash" and body["revoked"] is False and body["token_sha256_prefix"] == digest[:12]
    assert token not in added.text
    assert _reads(client, token) == 200  # no restart
    assert client.get("/reports/patients/P1/years/2018/totals", headers=bearer(token)).status_code == 403  # role

    again = client.post(
        "/admin/api-keys",
        json={"command_id": "k1", "name": "county-dash", "role": "dashboard", "token_sha256": digest},
        headers=ADMIN,
    )
    assert again.status_code == 200 and again.headers["Idempotency-Replayed"] == "true"

    new_token, new_digest = _token()
    rotated = client.post(
        "/admin/api-keys/county-dash/rotations",
        json={"command_id": "k2", "token_sha256": new_digest, "expected_version": 1},
        headers=ADMIN,
    )
    assert rotated.status_code == 201, rotated.text
    assert _reads(client, token) == 401 and _reads(client, new_token) == 200

    stale = client.post(
        "/admin/api-keys/county-dash/revocations",
        json={"command_id": "k3-stale", "reason": "retired", "expected_version": 1},
        headers=ADMIN,
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    revoked = client.post(
        "/admin/api-keys/county-dash/revocations", json={"command_id": "k3", "reason": "retired"}, headers=ADMIN
    )
    assert revoked.status_code == 201 and revoked.json()["revoked"] is True
    refused = client.get("/policy-versions/341821", headers=bearer(new_token))
    assert refused.status_code == 401 and refused.headers["content-type"].startswith(PROBLEM)

    listed = client.get("/admin/api-keys", headers=AUDITOR)
    assert listed.status_code == 200
    assert [(c["name"], c["revoked"]) for c in listed.json()["clients"]] == [("county-dash", True)]
    history = client.get("/admin/api-keys/county-dash/events", headers=AUDITOR).json()
    assert [e["kind"] for e in history["events"]] == ["Added", "Rotated", "Revoked"]
    assert [e["details"].get("token_sha256") for e in history["events"]] == [digest, new_digest, None]
    assert history["events"][2]["details"]["reason"] == "retired"
    stored = b"".join(n.state for n in ledger.recorder.select_notifications(start=1, limit=10_000))
    assert token.encode() not in stored and new_token.encode() not in stored  # digests only


def test_only_admins_change_keys_and_only_admins_and_auditors_read_them(
    served: tuple[TestClient, BenefitLedger, str],
) -> None:
    client, ledger, _ = served
    _, digest = _token()
    head = ledger.recorder.max_notification_id()
    for headers in (AUDITOR, DASHBOARD, bearer("tok-pay-ncms"), bearer("tok-hospital-LX-001")):
        response = client.post(
            "/admin/api-keys",
            json={"command_id": "k-x", "name": "intruder", "role": "admin", "token_sha256": digest},
            headers=headers,
        )
        assert response.status_code == 403, response.text
    assert ledger.recorder.max_notification_id() == head
    assert client.get("/admin/api-keys", headers=DASHBOARD).status_code == 403
    assert client.get("/admin/api-keys", headers=ADMIN).status_code == 200
    bad: list[dict[str, Any]] = [
        {"name": "x", "role": "admin", "token_sha256": "not-a-digest"},
        {"name": "x", "role": "payment_service", "token_sha256": digest},  # no fund
        {"name": "x", "role": "root", "token_sha256": digest},
    ]
    for n, fields in enumerate(bad):
        refused = client.post("/admin/api-keys", json={"command_id": f"bad-{n}", **fields}, headers=ADMIN)
        assert refused.status_code == 422, refused.text
    assert ledger.recorder.max_notification_id() == head


def test_a_key_added_by_another_process_counts_on_the_next_request_and_one_revoked_within_the_refresh(
    served: tuple[TestClient, BenefitLedger, str],
) -> None:
    client, _, url = served
    policy = client.app.state.access  # type: ignore[attr-defined]
    assert policy.refresh_s == KEYS_REFRESH_S == 1.0
    now = [100.0]
    policy.clock = lambda: now[0]
    token, digest = _token()
    other = BenefitLedger.from_settings(Settings(database_url=url))  # e.g. `ledger keys add` on the host
    try:
        assert _reads(client, "tok-dashboard") == 200  # the policy has read the key events at t=100
        other.handle(
            AddApiClient(command_id="o1", name="pay", role="payment_service", fund="ncms", token_sha256=digest)
        )
        assert _reads(client, token) == 200  # an unknown token reads the key events again at once
        other.handle(RevokeApiClient(command_id="o2", name="pay", reason="leaked"))
        now[0] += KEYS_REFRESH_S / 2
        assert _reads(client, token) == 200  # still within the documented refresh interval
        now[0] += KEYS_REFRESH_S / 2
        assert _reads(client, token) == 401  # the interval is over: the revocation counts
        assert _reads(client, token) == 401
    finally:
        other.close()
    assert _reads(client, "tok-dashboard") == 200  # the bootstrap clients keep working


def test_with_no_refresh_interval_a_revocation_by_another_process_counts_on_the_next_request(
    served: tuple[TestClient, BenefitLedger, str],
) -> None:
    client, _, url = served
    client.app.state.access.refresh_s = 0  # type: ignore[attr-defined]
    token, digest = _token()
    other = BenefitLedger.from_settings(Settings(database_url=url))
    try:
        other.handle(AddApiClient(command_id="o1", name="dash2", role="dashboard", token_sha256=digest))
        assert _reads(client, token) == 200
        other.handle(RevokeApiClient(command_id="o2", name="dash2", reason="leaked"))
        assert _reads(client, token) == 401
    finally:
        other.close()


def test_a_refresh_reads_only_what_the_log_gained_since_the_last_one(
    served: tuple[TestClient, BenefitLedger, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The directory reads from the head it read through, not from its last key event (which scanned every
    later notification of the log on each refresh), and still folds a revocation made by another process."""
    from service.api_clients import ApiClientDirectory
    from service.commands import RegisterPatient

    _, ledger, url = served
    directory = ApiClientDirectory(ledger)
    _, digest = _token()
    other = BenefitLedger.from_settings(Settings(database_url=url))
    try:
        other.handle(AddApiClient(command_id="r1", name="dash3", role="dashboard", token_sha256=digest))
        other.handle(RegisterPatient(command_id="r2", patient_ref="KEYS-P1", county_code="341821", township="毕桥镇"))
        assert directory.by_name("dash3") is not None
        head = ledger.recorder.max_notification_id()
        assert head is not None
        starts: list[int] = []
        select = ledger.recorder.select_notifications

        def spy(*args: Any, **kwargs: Any) -> Any:
            starts.append(kwargs["start"])
            return select(*args, **kwargs)

        monkeypatch.setattr(ledger.recorder, "select_notifications", spy)
        directory.refresh()
        assert starts == []  # nothing new: only the head was asked
        other.handle(RegisterPatient(command_id="r3", patient_ref="KEYS-P2", county_code="341821", township="毕桥镇"))
        other.handle(RevokeApiClient(command_id="r4", name="dash3", reason="leaked"))
        client = directory.by_name("dash3")
        assert client is not None and client.revoked
        assert starts == [head + 1]
    finally:
        other.close()
