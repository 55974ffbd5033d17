"""`ledger keys add|list`: API clients in the keys file; a token is printed once and never stored."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from api.access_keys import load_policy


def test_add_prints_a_token_the_api_accepts_and_list_never_shows_it(invoke, sqlite_url: str) -> None:
    keys = Path(os.environ["LEDGER_API_KEYS_FILE"])
    added = invoke("keys", "add", "ncms-payments", "--role", "payment_service", "--fund", "ncms")
    assert added.exit_code == 0, added.stderr
    token = added.stdout.strip()
    assert len(token) >= 40 and added.stdout.count("\n") == 1
    assert added.stderr.startswith(f"added client ncms-payments (payment_service) to {keys}")
    assert invoke("keys", "add", "lx-county", "--role", "hospital", "--hospital", "LX-001").exit_code == 0
    assert invoke("keys", "add", "auditor-1", "--role", "auditor").exit_code == 0

    principal = load_policy(keys).authenticate(token)
    assert (principal.name, principal.role.value, principal.fund) == ("ncms-payments", "payment_service", "ncms")
    text = keys.read_text(encoding="utf-8")
    assert token not in text and hashlib.sha256(token.encode()).hexdigest() in text

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
