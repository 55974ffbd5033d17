"""The command base class: a frozen, strict pydantic model that knows its name, roles and scope target.

A command class declares, and nothing else has to:

    class Discharge(AdmissionCommand):
        \"\"\"Discharge the patient; the discharge date is the service date settlements use.\"\"\"

        command: Literal["discharge"] = "discharge"
        discharged_on: Day

* `command`: its snake_case name, the discriminator of `service.commands.AnyCommand` (the batch and
  JSON Lines spelling);
* its fields, with the shared types of `service.commands.fields` (every limit lives there);
* `roles` (who may run it) and, for hospital and payment-service roles, `hospital_scope` / `fund_scope`
  (how the hospital or fund it acts for is found), usually inherited from an area base class.

The envelope (`command`, `command_id`, `expected_version`) says how to run a command, not what it does:
the idempotency fingerprint is the canonical serialisation of everything else (`fingerprint_payload`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from service.commands.errors import InvalidCommandError, field_errors
from service.commands.fields import CommandId, Version
from service.roles import FundScope, HospitalScope, Role

ENVELOPE = frozenset({"command", "command_id", "expected_version"})
REGISTRY: dict[str, type[Command]] = {}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Command(BaseModel):
    """What every command carries: its name and the client's command id (a retry reuses it)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    roles: ClassVar[frozenset[Role]] = frozenset()
    hospital_scope: ClassVar[HospitalScope | None] = None
    fund_scope: ClassVar[FundScope | None] = None
    sealed_fields: ClassVar[frozenset[str]] = frozenset()  # personal data: fingerprinted with a keyed HMAC only
    batchable: ClassVar[bool] = True  # False: runs its own transactions, so never inside a batch
    abstract: ClassVar[bool] = True

    command: str
    command_id: CommandId

    def __init__(self, **data: Any) -> None:
        """Build a command from Python values; what does not fit is an InvalidCommandError (422, exit 2)."""
        try:
            super().__init__(**data)
        except PydanticValidationError as exc:
            raise InvalidCommandError(field_errors(exc)) from None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.abstract = cls.__dict__.get("abstract", False)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.abstract:
            return
        name = cls.model_fields["command"].default
        if name != _snake(cls.__name__):
            raise TypeError(f"{cls.__name__}: command must default to {_snake(cls.__name__)!r}, not {name!r}")
        if not cls.roles:
            raise TypeError(f"{cls.__name__}: say which roles may run it (roles = frozenset({{Role...}}))")
        if Role.HOSPITAL in cls.roles and cls.hospital_scope is None:
            raise TypeError(f"{cls.__name__}: a hospital command needs a hospital_scope")
        if Role.PAYMENT_SERVICE in cls.roles and cls.fund_scope is None:
            raise TypeError(f"{cls.__name__}: a payment-service command needs a fund_scope")
        if name in REGISTRY:
            raise TypeError(f"two commands are named {name}")
        REGISTRY[name] = cls

    @classmethod
    def command_name(cls) -> str:
        """The command's snake_case name (`settle_admission`)."""
        default = cls.model_fields["command"].default
        assert isinstance(default, str)
        return default

    @classmethod
    def argument_fields(cls) -> tuple[str, ...]:
        """The fields a caller gives (everything but `command` and `command_id`)."""
        return tuple(f for f in cls.model_fields if f not in ("command", "command_id"))

    @property
    def version_expected(self) -> int | None:
        return None

    def fingerprint_payload(self, personal_fingerprint: Callable[[Mapping[str, str]], str]) -> dict[str, Any]:
        """What the command does, without its envelope: the idempotency fingerprint hashes this.

        Personal identifiers (`sealed_fields`) enter only as a keyed HMAC (`personal`), never in plain.
        """
        payload = self.model_dump(exclude=set(ENVELOPE | self.sealed_fields))
        sealed = {f: getattr(self, f) for f in sorted(self.sealed_fields) if getattr(self, f) is not None}
        if sealed:
            payload["personal"] = personal_fingerprint(sealed)
        return payload


class VersionedCommand(Command):
    """A command on an existing aggregate: `expected_version` refuses it (409) unless the aggregate is there."""

    abstract = True

    expected_version: Version | None = None
    """refuse with 409 unless the aggregate is at this version"""

    @property
    def version_expected(self) -> int | None:
        return self.expected_version
