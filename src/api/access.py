"""Who may do what: clients, roles, and the one table of permissions every route and batch command checks.

Every request except the probes (/health, /ready), the docs and the dashboard page's static shell carries
`Authorization: Bearer <token>` (or `X-API-Key: <token>`). A token names a client with one role:

| role              | may                                                                                      |
|-------------------|------------------------------------------------------------------------------------------|
| `admin`           | patient registry (register, enrol, poverty status, certificates, diagnoses, contracts,    |
|                   | follow-ups), policy versions and their recalculations; read everything                   |
| `hospital`        | admissions, charge lines, discharge, settlement, patient refunds — at its own window only |
|                   | (the `hospital` code the client is bound to); read its own admissions and advances       |
| `payment_service` | fund reimbursements and "5090" compensation payments for its own `fund` only; read       |
|                   | hospital advances and compensation owed                                                  |
| `auditor`         | read everything; audit findings, withdrawals, patient-year recalculations                 |
| `dashboard`       | aggregate reports only (county figures, hospital totals, compensation summary): no refs  |

Which roles may run a command, and how its hospital or fund is found, is declared on the command class
(service.commands; service.roles holds the roles and the check); every write route and the batch endpoint
call `authorize_command` with the command they built.
"""

from __future__ import annotations

import hashlib
import hmac
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from domain.errors import LedgerError
from service.fixed_facts import FixedFacts
from service.roles import ForbiddenError, Role, ScopeLookup, authorize, commands_by_role

if TYPE_CHECKING:
    from service.commands import Command
    from service.ledger import BenefitLedger

__all__ = ["ForbiddenError", "Role", "commands_by_role"]


class AuthenticationError(LedgerError):
    status = 401
    title = "Authentication required"


class Read(str, Enum):
    """Read scopes: what a GET route exposes."""

    PERSONAL = "personal"  # patient records, patient-years, audit trails, verification
    ADMISSION = "admission"  # one admission (hospital: its own)
    AGGREGATE = "aggregate"  # county figures, hospital advance totals (hospitals: their own), compensation summary
    COMPENSATION_OWED = "compensation_owed"  # retroactive compensation items (who is owed what)
    POLICY = "policy"  # published policy versions: public parameters
    FINDING = "finding"  # an audit finding
    API_CLIENTS = "api_clients"  # the API's clients and their key events (digests only)


READS: dict[Role, frozenset[Read]] = {
    Role.ADMIN: frozenset(Read),
    Role.AUDITOR: frozenset(Read),
    Role.HOSPITAL: frozenset({Read.ADMISSION, Read.AGGREGATE, Read.POLICY, Read.FINDING}),
    Role.PAYMENT_SERVICE: frozenset({Read.COMPENSATION_OWED, Read.AGGREGATE, Read.POLICY}),
    Role.DASHBOARD: frozenset({Read.AGGREGATE, Read.POLICY}),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated client: its name (for logs), role, and the fund or hospital it is bound to."""

    name: str
    role: Role
    fund: str | None = None
    hospital: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        if self.role is Role.PAYMENT_SERVICE and not self.fund:
            raise ValueError(f"client {self.name}: a payment_service client needs its fund")
        if self.role is Role.HOSPITAL and not self.hospital:
            raise ValueError(f"client {self.name}: a hospital client needs its hospital code")

    def may_read(self, scope: Read) -> bool:
        return scope in READS[self.role]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccessPolicy:
    """Tokens (held only as SHA-256 digests) and the clients they name."""

    def __init__(self, clients_by_digest: Mapping[str, Principal]) -> None:
        self._clients = dict(clients_by_digest)

    @classmethod
    def from_tokens(cls, tokens: Mapping[str, Principal]) -> AccessPolicy:
        return cls({token_digest(token): principal for token, principal in tokens.items()})

    def known(self, token: str) -> Principal | None:
        """The client of `token` if it can be told without reading anything (None: call `authenticate`)."""
        return self._clients.get(token_digest(token))

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise AuthenticationError("send 'Authorization: Bearer <token>' (or 'X-API-Key: <token>')")
        digest = token_digest(token)
        for known, principal in self._clients.items():
            if hmac.compare_digest(known, digest):
                return principal
        raise AuthenticationError("unknown or revoked token")

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def clients(self) -> dict[str, Principal]:
        """Digest -> client."""
        return dict(self._clients)


def _bearer(authorization: str | None, api_key: str | None) -> str | None:
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
        return value.strip()
    return api_key


async def current_principal(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    """The request's client. On the event loop (no thread hop) when the policy knows the token from memory
    (`AccessPolicy.known`); in a worker thread when it has to read the store first."""
    policy: AccessPolicy = request.app.state.access
    token = _bearer(authorization, x_api_key)
    principal = policy.known(token) if token else None
    if principal is None:
        principal = await run_in_threadpool(policy.authenticate, token)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def reader(scope: Read) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting the roles that may read `scope` (async: no worker thread for the check)."""

    async def check(principal: PrincipalDep) -> Principal:
        if not principal.may_read(scope):
            raise ForbiddenError(f"the {principal.role.value} role may not read {scope.value} data")
        return principal

    return check


def require_read(scope: Read) -> Any:
    return Depends(reader(scope))


# ---- commands: role, then scope ------------------------------------------------------------------
ADMISSION_HOSPITALS_MAX = 100_000


class ScopeCache:
    """What scope checks ask the ledger, remembering the hospital of each admission seen.

    An admission's hospital is fixed when it is registered (no event changes it), so once found it is
    never asked again: a hospital's charge line, discharge or settlement costs no read for its scope check
    (the command's handler reads the admission anyway). An admission not found is asked again next time, and
    one read inside a unit of work (a batch: it may be staged, not committed) is not remembered.
    """

    def __init__(self, ledger: ScopeLookup, size_max: int = ADMISSION_HOSPITALS_MAX) -> None:
        self.ledger = ledger
        self._hospitals: FixedFacts[str, str] = FixedFacts(size_max)

    def hospital_of_admission(self, admission_ref: str) -> str | None:
        return self._hospitals.lookup(admission_ref, self.ledger.hospital_of_admission)

    def registered(self, admission_ref: str, hospital_code: str) -> None:
        """An admission this process has just registered (committed): its first charge line asks nothing."""
        self._hospitals.remember(admission_ref, hospital_code)

    def hospital_of_finding(self, finding_ref: str) -> str | None:
        return self.ledger.hospital_of_finding(finding_ref)


_SCOPES: weakref.WeakKeyDictionary[Any, ScopeCache] = weakref.WeakKeyDictionary()


def scope_lookup(ledger: BenefitLedger) -> ScopeCache:
    """The ledger's scope cache (one per ledger object)."""
    cache = _SCOPES.get(ledger)
    if cache is None:
        cache = _SCOPES.setdefault(ledger, ScopeCache(ledger))
    return cache


def authorize_command(principal: Principal, ledger: BenefitLedger, command: Command) -> None:
    """Refuse (403) a command outside the principal's role or its own hospital/fund (service.roles.authorize)."""
    authorize(
        command,
        principal.role,
        scope_lookup(ledger),
        name=principal.name,
        hospital=principal.hospital,
        fund=principal.fund,
    )


def own_hospital_only(principal: Principal, hospital_code: str) -> None:
    """Hospitals read only their own admissions and advances."""
    if principal.role is Role.HOSPITAL and hospital_code != principal.hospital:
        raise ForbiddenError(f"hospital client {principal.name} reads only its own records ({principal.hospital})")
