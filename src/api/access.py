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

Scope checks (own hospital, own fund) need the command's target, so writes call `authorize_command`
with the command's name and arguments; the batch endpoint calls it once per command.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Header, Request

from domain.errors import LedgerError

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


class AuthenticationError(LedgerError):
    status = 401
    title = "Authentication required"


class ForbiddenError(LedgerError):
    status = 403
    title = "Outside this client's scope"


class Role(str, Enum):
    ADMIN = "admin"
    HOSPITAL = "hospital"
    PAYMENT_SERVICE = "payment_service"
    AUDITOR = "auditor"
    DASHBOARD = "dashboard"


class Read(str, Enum):
    """Read scopes: what a GET route exposes."""

    PERSONAL = "personal"  # patient records, patient-years, audit trails, verification
    ADMISSION = "admission"  # one admission (hospital: its own)
    AGGREGATE = "aggregate"  # county figures, hospital advance totals (hospitals: their own), compensation summary
    COMPENSATION_OWED = "compensation_owed"  # retroactive compensation items (who is owed what)
    POLICY = "policy"  # published policy versions: public parameters
    FINDING = "finding"  # an audit finding


READS: dict[Role, frozenset[Read]] = {
    Role.ADMIN: frozenset(Read),
    Role.AUDITOR: frozenset(Read),
    Role.HOSPITAL: frozenset({Read.ADMISSION, Read.AGGREGATE, Read.POLICY, Read.FINDING}),
    Role.PAYMENT_SERVICE: frozenset({Read.COMPENSATION_OWED, Read.AGGREGATE, Read.POLICY}),
    Role.DASHBOARD: frozenset({Read.AGGREGATE, Read.POLICY}),
}

REGISTRY_COMMANDS = frozenset(
    {
        "register_patient",
        "enrol_patient",
        "record_poverty_status",
        "certify_chronic_disease",
        "revoke_chronic_disease",
        "confirm_major_disease",
        "sign_family_doctor_contract",
        "record_follow_up",
    }
)
HOSPITAL_COMMANDS = frozenset(
    {
        "register_admission",
        "post_charge_line",
        "reverse_charge_line",
        "discharge",
        "settle_admission",
        "pay_patient_refund",
    }
)
PAYMENT_COMMANDS = frozenset({"record_fund_reimbursement", "pay_retroactive_compensation"})
AUDITOR_COMMANDS = frozenset({"record_audit_finding", "withdraw_audit_finding", "recalculate_benefit_year"})
ADMIN_COMMANDS = REGISTRY_COMMANDS | frozenset({"publish_policy_version", "recalculate_for_policy"})

COMMANDS: dict[Role, frozenset[str]] = {
    Role.ADMIN: ADMIN_COMMANDS,
    Role.HOSPITAL: HOSPITAL_COMMANDS,
    Role.PAYMENT_SERVICE: PAYMENT_COMMANDS,
    Role.AUDITOR: AUDITOR_COMMANDS,
    Role.DASHBOARD: frozenset(),
}
ALL_COMMANDS = frozenset().union(*COMMANDS.values())
COMPENSATION_FUND = "s5090"  # the fund that pays retroactive "5090" compensation (追溯补偿金)


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


def _bearer(authorization: str | None, api_key: str | None) -> str | None:
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
        return value.strip()
    return api_key


def current_principal(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    policy: AccessPolicy = request.app.state.access
    principal = policy.authenticate(_bearer(authorization, x_api_key))
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def reader(scope: Read) -> Callable[..., Principal]:
    """A dependency admitting the roles that may read `scope`."""

    def check(principal: PrincipalDep) -> Principal:
        if not principal.may_read(scope):
            raise ForbiddenError(f"the {principal.role.value} role may not read {scope.value} data")
        return principal

    return check


def require_read(scope: Read) -> Any:
    return Depends(reader(scope))


# ---- commands: role, then scope ------------------------------------------------------------------
def authorize_command(principal: Principal, ledger: BenefitLedger, command: str, args: Mapping[str, Any]) -> None:
    """Refuse (403) a command outside the principal's role or its own hospital/fund."""
    if command not in COMMANDS[principal.role]:
        raise ForbiddenError(f"the {principal.role.value} role may not {command.replace('_', ' ')}")
    if principal.role is Role.HOSPITAL:
        hospital = _target_hospital(ledger, command, args)
        if hospital is not None and hospital != principal.hospital:
            raise ForbiddenError(
                f"hospital client {principal.name} acts only at its own window "
                f"({principal.hospital}), not for {hospital}"
            )
    if principal.role is Role.PAYMENT_SERVICE:
        fund = _target_fund(command, args)
        if fund != principal.fund:
            raise ForbiddenError(
                f"payment service {principal.name} pays only for its own fund ({principal.fund}), not {fund}"
            )


def _target_hospital(ledger: BenefitLedger, command: str, args: Mapping[str, Any]) -> str | None:
    """The hospital a hospital command acts for (None when the target does not exist: the command says 404)."""
    from domain.errors import NotFoundError

    if command == "register_admission":
        hospital = args.get("hospital")
        code = hospital.get("code") if isinstance(hospital, Mapping) else getattr(hospital, "code", None)
        return str(code) if code is not None else None
    try:
        if command == "pay_patient_refund":
            return str(ledger.get_audit_finding(str(args.get("finding_ref"))).hospital_code)
        admission = ledger.get_admission(str(args.get("admission_ref")))
    except NotFoundError:
        return None
    return str(admission.hospital.get("code"))


def _target_fund(command: str, args: Mapping[str, Any]) -> str | None:
    if command == "pay_retroactive_compensation":
        return COMPENSATION_FUND
    fund = args.get("fund")
    return str(getattr(fund, "value", fund)) if fund is not None else None


def own_hospital_only(principal: Principal, hospital_code: str) -> None:
    """Hospitals read only their own admissions and advances."""
    if principal.role is Role.HOSPITAL and hospital_code != principal.hospital:
        raise ForbiddenError(f"hospital client {principal.name} reads only its own records ({principal.hospital})")
