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

import os
import secrets
import time
import tomllib
from collections.abc import Callable
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


KEYS_REFRESH_S = 1.0  # how long a process answers from the clients it read before reading the key events again


class StoreAccessPolicy(AccessPolicy):
    """Clients kept in the store (ApiClient events), then the keys file's as a bootstrap.

    The policy answers from the clients it last read (a dict by token digest: about 0.6 us a request, on
    the event loop) and reads the key events appended since (`ApiClientDirectory.refresh`: the log's head,
    then the key topics among the rows appended since its last read, ~0.2 ms on PostgreSQL whatever the
    log's size) when that read is `refresh_s` old (default
    `KEYS_REFRESH_S`, 1 s), when the token is unknown, or after a key command handled through this process
    (`invalidate`). So a key added anywhere counts on the next request; a key revoked or rotated through
    this server is refused on the next request, and one revoked or rotated by another process (`ledger
    keys revoke`, another worker) within `refresh_s`; `refresh_s=0` reads the key events before every
    authentication (the trade-off: a revocation by another process counts on the very next request, for
    a worker-thread hop and those two small queries on every request instead of once a second). A client
    of the store overrides a keys-file client of the same name (so `ledger keys revoke` works on a
    bootstrap client too). Tokens are looked up by their SHA-256 digest.
    """

    def __init__(
        self,
        ledger: Any,
        bootstrap: AccessPolicy | None = None,
        *,
        refresh_s: float = KEYS_REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from service.api_clients import ApiClientDirectory

        super().__init__({})
        self.directory = ApiClientDirectory(ledger)
        self.bootstrap = bootstrap or AccessPolicy({})
        self.refresh_s = refresh_s
        self.clock = clock
        self._by_digest: dict[str, Principal] = {}
        self._read_at: float | None = None

    def invalidate(self) -> None:
        """Read the key events again before the next authentication (a key command was handled here)."""
        self._read_at = None

    def known(self, token: str) -> Principal | None:
        """The client of `token` from the clients last read, while that read is fresh (else None)."""
        read_at = self._read_at
        if read_at is None or self.clock() - read_at >= self.refresh_s:
            return None
        return self._by_digest.get(token_digest(token))

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            return super().authenticate(token)
        digest = token_digest(token)
        now = self.clock()
        read_at = self._read_at
        fresh = read_at is not None and now - read_at < self.refresh_s
        if not fresh:
            self._read(now)
        principal = self._by_digest.get(digest)
        if principal is None and fresh:  # unknown: perhaps added a moment ago, by any process
            self._read(now)
            principal = self._by_digest.get(digest)
        if principal is None:
            return super().authenticate(token)  # unknown or revoked: 401
        return principal

    def _read(self, now: float) -> None:
        stored = self.directory.clients()
        names = {client.name for client in stored}
        clients = {
            c.token_sha256: Principal(name=c.name, role=Role(c.role), fund=c.fund, hospital=c.hospital)
            for c in stored
            if not c.revoked
        }
        clients |= {d: p for d, p in self.bootstrap.clients().items() if p.name not in names and d not in clients}
        self._by_digest = clients
        self._read_at = now
