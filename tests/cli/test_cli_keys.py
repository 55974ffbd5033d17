"""`ledger keys add|list`: API clients in the keys file; a token is printed once and never stored."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from tests.cli.cli_support import opened

from api.access import AuthenticationError
from api.access_keys import StoreAccessPolicy, add_client, load_policy


def test_add_prints_a_token_the_api_accepts_and_list_never_shows_it(invoke, sqlite_url: str) -> None:
    keys = Path(os.environ["LEDGER_API_KEYS_FILE"])
    added = invoke("keys", "add", "ncms-payments", "--role", "payment_service", "--fund", "ncms")
    assert added.exit_code == 0, added.stderr
    token = added.stdout.strip()
    assert len(token) >= 40 and added.stdout.count("\n") == 1
    assert added.stderr.startswith("added client ncms-payments (payment_service) to the store")
    assert invoke("keys", "add", "lx-county", "--role", "hospital", "--hospital", "LX-001").exit_code == 0
    assert invoke("keys", "add", "auditor-1", "--role", "auditor").exit_code == 0

    with opened(sqlite_url) as ledger:  # the store's clients, as a running server reads them
        principal = StoreAccessPolicy(ledger).authenticate(token)
        stored = b"".join(n.state for n in ledger.recorder.select_notifications(start=1, limit=1000))
    assert (principal.name, principal.role.value, principal.fund) == ("ncms-payments", "payment_service", "ncms")
    assert token.encode() not in stored and hashlib.sha256(token.encode()).hexdigest().encode() in stored
    assert not keys.exists()  # the keys file is only a bootstrap now

    listed = invoke("keys", "list")
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == [
        "ncms-payments                    payment_service  fund ncms",
        "lx-county                        hospital         hospital LX-001",
        "auditor-1                        auditor",
    ]
    assert token not in listed.stdout


def test_a_second_client_of_the_same_name_is_refused(invoke, sqlite_url: str, tmp_path: Path) -> None:
    other = tmp_path / "other-keys.toml"
    assert invoke("keys", "add", "dash", "--role", "dashboard", "--keys-file", str(other)).exit_code == 0
    before = other.read_text(encoding="utf-8")
    again = invoke("keys", "add", "dash", "--role", "admin", "--keys-file", str(other))
    assert again.exit_code == 2 and again.stderr == f"ledger: {other}: a client named 'dash' already exists\n"
    assert other.read_text(encoding="utf-8") == before
    assert invoke("keys", "list", "--keys-file", str(other)).stdout == "dash                             dashboard\n"
    empty = invoke("keys", "list")
    assert empty.exit_code == 0 and empty.stdout == "" and empty.stderr.startswith("no clients in ")


def test_revoke_and_rotate_take_effect_for_a_running_server_and_cover_a_bootstrap_client(
    invoke, sqlite_url: str
) -> None:
    keys = Path(os.environ["LEDGER_API_KEYS_FILE"])
    bootstrap_token = add_client(keys, name="bootstrap-admin", role="admin")  # the keys file (a Secret)
    token = invoke("keys", "add", "dash", "--role", "dashboard").stdout.strip()
    with opened(sqlite_url) as server_ledger:  # the running server's view: one policy, never rebuilt
        policy = StoreAccessPolicy(server_ledger, load_policy(keys), refresh_s=0)  # reads the key events each time
        assert policy.authenticate(token).name == "dash"
        assert policy.authenticate(bootstrap_token).name == "bootstrap-admin"

        rotated = invoke("keys", "rotate", "dash")
        assert rotated.exit_code == 0, rotated.stderr
        new_token = rotated.stdout.strip()
        assert policy.authenticate(new_token).name == "dash"
        with pytest.raises(AuthenticationError):
            policy.authenticate(token)

        assert invoke("keys", "revoke", "dash", "--reason", "dashboard retired").exit_code == 0
        with pytest.raises(AuthenticationError):
            policy.authenticate(new_token)
        assert invoke("keys", "revoke", "bootstrap-admin").exit_code == 0  # adopted from the file, then revoked
        with pytest.raises(AuthenticationError):
            policy.authenticate(bootstrap_token)
    again = invoke("keys", "revoke", "dash")
    assert again.exit_code == 2 and again.stderr == "ledger: API client dash is already revoked\n"
    missing = invoke("keys", "revoke", "nobody")
    assert missing.exit_code == 2 and "no API client nobody in the store" in missing.stderr
    assert invoke("keys", "list").stdout.splitlines() == [
        "dash                             dashboard                             revoked",
        "bootstrap-admin                  admin                                 revoked",
    ]
