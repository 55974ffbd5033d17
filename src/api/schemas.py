"""Request bodies (`XCreate`) and the value types shared with responses.

Money enters only through `domain.money.parse_amount`: strings or integers of yuan with at most
two places; floats are refused because they cannot hold fen exactly. Every write carries a
client `command_id` (or an `Idempotency-Key` header) and may carry the `expected_version` of
the aggregate it changes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
)

from api.responses import decimal_text
from domain.errors import ValidationError
from domain.money import parse_amount
from domain.vocabulary import PovertyStatus, Tier, VisitKind
from service.inputs import in_service_range


def _in_range(value: Any, info: ValidationInfo) -> Any:
    try:
        return in_service_range(value, info.field_name or "date")
    except ValidationError as exc:
        raise ValueError(str(exc).split(": ", 1)[-1]) from None


Day = Annotated[date, AfterValidator(_in_range)]  # 2000-01-01 .. 2100-12-31
Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]  # with an offset, in the same range

REF_LENGTH_MAX = 120
TEXT_LENGTH_MAX = 500
COMMAND_ID_LENGTH_MAX = 200


def _parse_money(raw: object, info: ValidationInfo) -> Decimal:
    return parse_amount(raw, field=info.field_name or "amount")


MONEY_SCHEMA = {
    "type": "string",
    "pattern": r"^\d+(\.\d{1,2})?$",
    "examples": ["16830.00"],
    "description": "yuan, at most two decimal places; integers are accepted, floats refused",
}

# Input money: validated by the ledger's one parser. Output money: a string with two places.
MoneyIn = Annotated[Decimal, BeforeValidator(_parse_money), WithJsonSchema(MONEY_SCHEMA)]
Money = Annotated[Decimal, PlainSerializer(decimal_text, return_type=str), WithJsonSchema(MONEY_SCHEMA)]
DecimalText = Annotated[Decimal, PlainSerializer(str, return_type=str), WithJsonSchema({"type": "string"})]
Ref = Annotated[str, Field(min_length=1, max_length=REF_LENGTH_MAX)]
Text = Annotated[str, Field(max_length=TEXT_LENGTH_MAX)]


class CommandBase(BaseModel):
    """Fields every write shares. Unknown fields are refused, so a misspelt field never goes unnoticed."""

    model_config = ConfigDict(extra="forbid")

    command_id: str | None = Field(
        None, min_length=1, max_length=COMMAND_ID_LENGTH_MAX, description="client id of this command; a retry reuses it"
    )


class VersionedCommand(CommandBase):
    expected_version: int | None = Field(None, ge=1, description="refuse with 409 unless the aggregate is here")


# ---- patients ----------------------------------------------------------------------------------
class PatientCreate(CommandBase):
    patient_ref: Ref
    county_code: Ref
    township: Text = ""
    name: str | None = Field(
        default=None, max_length=50, description="stored only encrypted; never in dashboards or logs"
    )
    id_card_no: str | None = Field(
        default=None, max_length=18, description="18-character resident ID card number; stored only encrypted"
    )


class EnrolmentCreate(VersionedCommand):
    year: int = Field(ge=2000, le=2100)
    premium_paid_by_state: bool = True


class PovertyStatusCreate(VersionedCommand):
    status: PovertyStatus
    effective_from: Day
    reason: Text = ""


class ChronicDiseaseCreate(VersionedCommand):
    disease: Ref
    valid_from: Day
    valid_to: Day | None = None


class ChronicDiseaseRevocationCreate(VersionedCommand):
    revoked_on: Day


class MajorDiseaseCreate(VersionedCommand):
    disease: Ref
    confirmed_on: Day


class FamilyDoctorContractCreate(VersionedCommand):
    doctor: Ref
    signed_on: Day


class FollowUpCreate(VersionedCommand):
    followed_up_on: Day
    heart_rate: int | None = Field(None, ge=0, le=1000)
    blood_glucose: Decimal | None = Field(None, ge=0, max_digits=6, decimal_places=2, description="mmol/L")
    systolic: int | None = Field(None, ge=0, le=1000)
    diastolic: int | None = Field(None, ge=0, le=1000)


# ---- admissions --------------------------------------------------------------------------------
class Hospital(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Ref
    name: Text
    tier: Tier
    county_code: Ref
    in_county: bool
    in_province: bool
    designated: bool


class AdmissionCreate(CommandBase):
    admission_ref: Ref
    patient_ref: Ref
    kind: VisitKind = VisitKind.INPATIENT
    hospital: Hospital
    admitted_on: Day
    referred: bool = False
    diagnosis: Text = ""


class ChargeLineCreate(VersionedCommand):
    line_no: Ref
    category: Ref
    amount: MoneyIn
    compliant: bool


class ChargeLineReversalCreate(VersionedCommand):
    reason: Ref


class DischargeCreate(VersionedCommand):
    discharged_on: Day


class SettlementCreate(VersionedCommand):
    settled_at: Moment | None = Field(None, description="ISO datetime with offset; default now")


# ---- policy versions ---------------------------------------------------------------------------
class PolicyMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: Ref
    version: Ref
    effective_from: Day
    published_at: Moment
    title: Text = ""


class SettlementQuoteCreate(BaseModel):
    """A quote records nothing, so it needs no command id."""

    model_config = ConfigDict(extra="forbid")

    settled_at: Moment | None = Field(None, description="ISO datetime with offset; default now")


class PolicyVersionCreate(CommandBase):
    meta: PolicyMeta
    parameters: dict[str, Any] = Field(description="plain or confidence-annotated leaves, as in langxi_default.toml")
