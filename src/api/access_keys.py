"""The API keys file: one TOML table per client, tokens stored only as SHA-256 digests.

    [[clients]]
    name = "ncms-payments"
    role = "payment_service"      # admin | hospital | payment_service | auditor | dashboard
    fund = "ncms"                 # payment_service only
    # hospital = "LX-001"         # hospital only
    token_sha256 = "9f2c…"

The file is `Settings.api_keys_file` (LEDGER_API_KEYS_FILE, default `var/api-keys.toml`). `ledger serve` with no file creates one
holding a single admin client and prints that token once; `ledger keys add` adds clients.
"""

from __future__ import annotations

import hmac
import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

from api.access import AccessPolicy, Principal, Role, token_digest


class KeysFileError(ValueError):
    """The keys file is missing a field or names an unknown role."""


def load_policy(path: Path) -> AccessPolicy:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KeysFileError(f"{path}: {exc}") from None
    clients: dict[str, Principal] = {}
    for n, entry in enumerate(data.get("clients", []), start=1):
        try:
            principal = Principal(
                name=str(entry["name"]),
                role=Role(entry["role"]),
                fund=entry.get("fund"),
                hospital=entry.get("hospital"),
            )
            digest = str(entry["token_sha256"])
        except (KeyError, ValueError) as exc:
            raise KeysFileError(f"{path}: client #{n}: {exc}") from None
        clients[digest] = principal
    return AccessPolicy(clients)


def list_clients(path: Path) -> list[Principal]:
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return [
        Principal(name=e["name"], role=Role(e["role"]), fund=e.get("fund"), hospital=e.get("hospital"))
        for e in data.get("clients", [])
    ]


def add_client(path: Path | str, *, name: str, role: str, fund: str | None = None, hospital: str | None = None) -> str:
    """Append a client to the keys file (created 0600 if missing); returns its new token, shown only once."""
    path = Path(path)
    principal = Principal(name=name, role=Role(role), fund=fund, hospital=hospital)  # validates
    if any(existing.name == name for existing in list_clients(path)):
        raise KeysFileError(f"{path}: a client named {name!r} already exists")
    token = secrets.token_urlsafe(32)
    lines = ["", "[[clients]]", f"name = {_quoted(principal.name)}", f"role = {_quoted(principal.role.value)}"]
    if principal.fund:
        lines.append(f"fund = {_quoted(principal.fund)}")
    if principal.hospital:
        lines.append(f"hospital = {_quoted(principal.hospital)}")
    lines.append(f"token_sha256 = {_quoted(token_digest(token))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return token


def policy_from_keys_file(path: Path) -> tuple[AccessPolicy, str | None]:
    """The keys file's policy; when there is none yet, create it with one admin client and return its token."""
    token = None
    if not path.exists():
        token = add_client(path, name="bootstrap-admin", role=Role.ADMIN.value)
    return load_policy(path), token


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class StoreAccessPolicy(AccessPolicy):
    """Clients kept in the store (ApiClient events), then the keys file's as a bootstrap.

    Before each authentication the directory reads the key events appended since the last request, so an
    added, revoked or rotated key counts on the next request, in every process. A client of the store
    overrides a keys-file client of the same name (so `ledger keys revoke` works on a bootstrap client too).
    """

    def __init__(self, ledger: Any, bootstrap: AccessPolicy | None = None) -> None:
        from service.api_clients import ApiClientDirectory

        super().__init__({})
        self.directory = ApiClientDirectory(ledger)
        self.bootstrap = bootstrap or AccessPolicy({})

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            return super().authenticate(token)
        digest = token_digest(token)
        stored = self.directory.clients()
        names = {client.name for client in stored}
        clients = {
            c.token_sha256: Principal(name=c.name, role=Role(c.role), fund=c.fund, hospital=c.hospital)
            for c in stored
            if not c.revoked
        }
        clients |= {d: p for d, p in self.bootstrap.clients().items() if p.name not in names and d not in clients}
        for known, principal in clients.items():
            if hmac.compare_digest(known, digest):
                return principal
        return super().authenticate(token)  # unknown or revoked: 401
