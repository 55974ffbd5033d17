"""Commands as data: one frozen model per command, one discriminated union over them, one parser.

    from service.commands import Discharge
    ledger.handle(Discharge(command_id="A-1:discharge", admission_ref="A-1", discharged_on=date(2018, 3, 20)))

Every path builds the same models: the single routes (api.routes.command_route), `POST /batches` and
`ledger import` (both through `parse_entry`, the batch / JSON Lines spelling
`{"command": ..., "command_id": ..., "args": {...}}`). Docs: docs/commands.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from service.commands import (
    admissions,
    api_clients,
    audit,
    bulletins,
    catalogue,
    deliveries,
    health_programme,
    hospitals,
    patients,
    payments,
    policies,
    recalculations,
    reversals,
    rosters,
    year_close,
)
from service.commands import registry as registry_commands
from service.commands.admissions import (
    Discharge,
    PostChargeLine,
    PostLegacyChargeLine,
    RegisterAdmission,
    ReverseChargeLine,
    SettleAdmission,
)
from service.commands.api_clients import AddApiClient, RevokeApiClient, RotateApiClient
from service.commands.audit import PayPatientRefund, RecordAuditFinding, WithdrawAuditFinding
from service.commands.base import ENVELOPE, REGISTRY, Command, VersionedCommand
from service.commands.bulletins import IssueBulletin
from service.commands.catalogue import PublishCatalogueVersion
from service.commands.deliveries import RecordDrugDelivery
from service.commands.errors import InvalidCommandError, error_message, field_errors
from service.commands.health_programme import (
    ClassifyChronicRisk,
    IssueHealthCard,
    RecordCharityGrant,
    RecordHealthCheckUp,
    RecordTreatmentPlan,
)
from service.commands.hospitals import RecordFundReimbursement
from service.commands.patients import (
    CertifyChronicDisease,
    ConfirmMajorDisease,
    EnrolPatient,
    RecordFollowUp,
    RecordPovertyStatus,
    RegisterPatient,
    RevokeChronicDisease,
    SignFamilyDoctorContract,
)
from service.commands.payments import CreatePaymentRun, RecordFundBudget, RecordPaymentResult
from service.commands.policies import PolicyMeta, PublishPolicyVersion
from service.commands.recalculations import (
    COMPENSATION_FUND,
    PayRetroactiveCompensation,
    RecalculateBenefitYear,
    RecalculateForPolicy,
)
from service.commands.registry import (
    ChangeHospital,
    CloseHospital,
    RegisterHospital,
)
from service.commands.reversals import (
    RecordBenefitRecovery,
    ReverseBenefitForFraud,
    ReverseSettlement,
    ReverseSettlementByAudit,
)
from service.commands.rosters import ApplyRosterDifferences, ImportRoster
from service.commands.year_close import CloseCountyYear, SettleLateClaim

_AREAS = (
    patients,
    admissions,
    policies,
    audit,
    hospitals,
    recalculations,
    api_clients,
    registry_commands,
    bulletins,
    catalogue,
)  # importing them registers the commands
_MONEY_AREAS = (payments, rosters, deliveries, reversals)
_YEAR_CLOSE_AREAS = (year_close,)
_HAINAN_AREAS = (health_programme,)  # Hainan 三个一批 patient commands (importing registers them)
COMMANDS: dict[str, type[Command]] = dict(sorted(REGISTRY.items()))
if TYPE_CHECKING:
    AnyCommand = Command
else:  # the discriminated union of every command class, on `command`
    AnyCommand = Annotated[Union[tuple(COMMANDS.values())], Field(discriminator="command")]  # noqa: UP007
ANY_COMMAND: TypeAdapter[Command] = TypeAdapter(AnyCommand)
ENTRY_FIELDS = frozenset({"command", "command_id", "args"})


def parse_command(data: Mapping[str, Any]) -> Command:
    """A command from its flat form `{"command": name, "command_id": ..., <fields>}` (the union's input)."""
    name = data.get("command") if isinstance(data, Mapping) else None
    if not isinstance(name, str) or name not in COMMANDS:
        raise InvalidCommandError(
            [
                {
                    "field": "command",
                    "location": "body",
                    "message": f"{str(name)[:60]!r} is not one of {', '.join(COMMANDS)}",
                }
            ]
        )
    try:
        return ANY_COMMAND.validate_python(dict(data))
    except PydanticValidationError as exc:
        raise InvalidCommandError(field_errors(exc, strip_tag=True)) from None


def parse_entry(entry: object) -> Command:
    """A command from a batch or JSON Lines entry `{"command", "command_id", "args"}`: the same model and the
    same refusals as its single route, `expected_version` among the args."""
    if not isinstance(entry, Mapping):
        raise InvalidCommandError(
            [{"field": "", "location": "body", "message": 'a command is an object {"command", "command_id", "args"}'}]
        )
    unknown = sorted(str(key) for key in entry if key not in ENTRY_FIELDS)
    if unknown:
        raise InvalidCommandError(
            [
                {"field": key, "location": "body", "message": "unknown field (a command has command, command_id, args)"}
                for key in unknown
            ]
        )
    args = entry.get("args", {})
    if not isinstance(args, Mapping):
        raise InvalidCommandError(
            [{"field": "args", "location": "body", "message": "give an object of the command's arguments"}]
        )
    clashing = sorted(key for key in args if key in ("command", "command_id"))
    if clashing:
        raise InvalidCommandError(
            [{"field": key, "location": "body", "message": "belongs beside args, not inside them"} for key in clashing]
        )
    envelope = {key: entry[key] for key in ("command", "command_id") if key in entry}
    command = parse_command({**args, **envelope})
    if not type(command).batchable:
        raise InvalidCommandError(
            [
                {
                    "field": "command",
                    "location": "body",
                    "message": f"{command.command} runs its own transactions: use its route, not a batch",
                }
            ]
        )
    return command


def entry_of(command: Command) -> dict[str, Any]:
    """The batch / JSON Lines entry of a command (JSON values): the inverse of `parse_entry`."""
    args = command.model_dump(mode="json", exclude={"command", "command_id"}, exclude_defaults=False)
    return {"command": command.command, "command_id": command.command_id, "args": args}


__all__ = [
    "ANY_COMMAND",
    "COMMANDS",
    "COMPENSATION_FUND",
    "ENVELOPE",
    "AddApiClient",
    "AnyCommand",
    "ApplyRosterDifferences",
    "CertifyChronicDisease",
    "ChangeHospital",
    "ClassifyChronicRisk",
    "CloseCountyYear",
    "CloseHospital",
    "Command",
    "ConfirmMajorDisease",
    "CreatePaymentRun",
    "Discharge",
    "EnrolPatient",
    "ImportRoster",
    "InvalidCommandError",
    "IssueBulletin",
    "IssueHealthCard",
    "PayPatientRefund",
    "PayRetroactiveCompensation",
    "PolicyMeta",
    "PostChargeLine",
    "PostLegacyChargeLine",
    "PublishCatalogueVersion",
    "PublishPolicyVersion",
    "RecalculateBenefitYear",
    "RecalculateForPolicy",
    "RecordAuditFinding",
    "RecordBenefitRecovery",
    "RecordCharityGrant",
    "RecordDrugDelivery",
    "RecordFollowUp",
    "RecordFundBudget",
    "RecordFundReimbursement",
    "RecordHealthCheckUp",
    "RecordPaymentResult",
    "RecordPovertyStatus",
    "RecordTreatmentPlan",
    "RegisterAdmission",
    "RegisterHospital",
    "RegisterPatient",
    "ReverseBenefitForFraud",
    "ReverseChargeLine",
    "ReverseSettlement",
    "ReverseSettlementByAudit",
    "RevokeApiClient",
    "RevokeChronicDisease",
    "RotateApiClient",
    "SettleAdmission",
    "SettleLateClaim",
    "SignFamilyDoctorContract",
    "VersionedCommand",
    "WithdrawAuditFinding",
    "entry_of",
    "error_message",
    "field_errors",
    "parse_command",
    "parse_entry",
]
