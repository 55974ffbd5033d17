"""BenefitLedger: the service layer. One method per use case; each takes and returns plain values.

Every command is idempotent by `command_id` and optionally concurrency-checked by
`expected_version` (see service.idempotency). All aggregates a command touches are saved in one
atomic `save()`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application

from domain import ids
from domain.aggregates.admission import Admission
from domain.aggregates.benefit_year import BenefitYear
from domain.aggregates.benefit_year_history import BenefitYearHistory
from domain.aggregates.claim_facts import benefit_year_of, claim_facts
from domain.aggregates.hospital_account import HospitalAccount
from domain.aggregates.patient import Patient
from domain.aggregates.policy_version import PolicyRegister, PolicyVersion
from domain.errors import AlreadyExistsError, NotFoundError, StateConflictError, ValidationError
from domain.policy.loader import PolicyDocument
from domain.policy.parameters import PolicyParameters
from domain.policy.parsing import PolicyError
from domain.policy.selection import version_in_force
from domain.rules.cascade import settle_claim
from domain.vocabulary import PovertyStatus, Tier, VisitKind
from service.audit_commands import AuditCommands
from service.auditor_queries import AuditorQueries
from service.group_commit import GroupCommitter
from service.idempotency import check_expected_version, execute
from service.inputs import as_amount, as_aware, as_enum, require_ref
from service.personal_data import PersonalDataCipher, check_id_card_no, check_name
from service.recalculation_commands import RecalculationCommands
from service.repository import FastRepository, fast_project
from service.settings import StoreConfig, ensure_schema, schema_setup_lock, store_config
from service.store_errors import check_reachable
from service.unit_of_work import unit_of_work

AGGREGATE_CACHE_SIZE = 10_000


class BenefitLedger(AuditCommands, RecalculationCommands, AuditorQueries, Application):  # type: ignore[type-arg]
    name = "ledger"
    snapshotting_intervals = {Patient: 50, BenefitYear: 10, Admission: 100, HospitalAccount: 100}  # noqa: RUF012
    snapshotting_projectors = {  # noqa: RUF012
        Patient: fast_project,
        BenefitYear: fast_project,
        Admission: fast_project,
        HospitalAccount: fast_project,
    }

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env=env)
        self._policy_cache: dict[UUID, PolicyParameters] = {}
        self.group_committer: GroupCommitter | None = None
        self._personal_data: PersonalDataCipher | None = None
        # What a hospital has advanced for a fund (hospital, fund) -> amount, from the read models when
        # the API runs them; reimbursements beyond it are refused. None: not checked (e.g. bulk loads).
        self.advance_source: Callable[[str, str], Decimal] | None = None
        if str(self.env.get("LEDGER_GROUP_COMMIT") or "0").lower() in ("1", "true", "yes", "on"):
            self.group_committer = GroupCommitter(self)

    def close(self) -> None:
        if self.group_committer is not None:
            self.group_committer.close()
        super().close()

    @classmethod
    def from_config(cls, config: StoreConfig | None = None) -> BenefitLedger:
        config = config or store_config()
        check_reachable(config)  # a server that is down: one clear error now, not after the pool's 30 s
        with schema_setup_lock(config):
            ensure_schema(config)
            return cls(env=config.env)

    def construct_repository(self) -> FastRepository:
        """Aggregates are cached (LEDGER_AGGREGATE_CACHE, default 10,000; 0 turns it off) and fast-forwarded:
        a cached aggregate costs one query for its newer events instead of a snapshot read plus a replay."""
        base = super().construct_repository()
        size = int(str(self.env.get("LEDGER_AGGREGATE_CACHE") or AGGREGATE_CACHE_SIZE))
        return FastRepository(
            event_store=base.event_store,
            snapshot_store=base.snapshot_store,
            cache_maxsize=size if size > 0 else None,
            fastforward=True,
        )

    # ---- patients ------------------------------------------------------------------------------
    def register_patient(
        self,
        *,
        command_id: str,
        patient_ref: str,
        county_code: str,
        township: str = "",
        name: str | None = None,
        id_card_no: str | None = None,
    ) -> dict:
        """Register a patient; a name and ID card number, if given, are stored only sealed (encrypted)."""
        require_ref("patient_ref", patient_ref)
        require_ref("county_code", county_code)
        personal = {}
        if name is not None:
            personal["name"] = check_name(name)
        if id_card_no is not None:
            personal["id_card_no"] = check_id_card_no(id_card_no)
        payload = {"patient_ref": patient_ref, "county_code": county_code, "township": township}
        if personal:
            payload["personal"] = self.personal_data.fingerprint(personal)

        def build() -> tuple[list[Any], dict]:
            if ids.patient_id(patient_ref) in self.repository:
                raise AlreadyExistsError(f"patient {patient_ref} is already registered")
            sealed = self.personal_data.seal(patient_ref, personal) if personal else None
            patient = Patient(
                patient_ref=patient_ref, county_code=county_code, township=township, personal_sealed=sealed
            )
            return [patient], _written(patient)

        return execute(self, command_id, "register_patient", payload, build)

    @property
    def personal_data(self) -> PersonalDataCipher:
        """The personal-data key, loaded (or created) on first use only."""
        if self._personal_data is None:
            self._personal_data = PersonalDataCipher.from_environment(self.env)
        return self._personal_data

    def personal_identifiers(self, patient: Patient) -> dict[str, str] | None:
        """The patient's name and ID card number, opened (for the registry and auditors only)."""
        sealed = getattr(patient, "personal_sealed", None)
        return None if sealed is None else self.personal_data.open(patient.patient_ref, sealed)

    def enrol_patient(
        self,
        *,
        command_id: str,
        patient_ref: str,
        year: int,
        premium_paid_by_state: bool = True,
        expected_version: int | None = None,
    ) -> dict:
        return self._patient_command(
            command_id,
            "enrol_patient",
            patient_ref,
            expected_version,
            {"year": year, "premium_paid_by_state": premium_paid_by_state},
            lambda p: p.enrol(year, premium_paid_by_state),
        )

    def record_poverty_status(
        self,
        *,
        command_id: str,
        patient_ref: str,
        status: str,
        effective_from: date,
        reason: str = "",
        expected_version: int | None = None,
    ) -> dict:
        parsed = as_enum(PovertyStatus, status, "status")
        return self._patient_command(
            command_id,
            "record_poverty_status",
            patient_ref,
            expected_version,
            {"status": status, "effective_from": effective_from, "reason": reason},
            lambda p: p.record_poverty_status(parsed, effective_from, reason),
        )

    def certify_chronic_disease(
        self,
        *,
        command_id: str,
        patient_ref: str,
        disease: str,
        valid_from: date,
        valid_to: date | None = None,
        expected_version: int | None = None,
    ) -> dict:
        require_ref("disease", disease)
        return self._patient_command(
            command_id,
            "certify_chronic_disease",
            patient_ref,
            expected_version,
            {"disease": disease, "valid_from": valid_from, "valid_to": valid_to},
            lambda p: p.certify_chronic_disease(disease, valid_from, valid_to),
        )

    def revoke_chronic_disease(
        self, *, command_id: str, patient_ref: str, disease: str, revoked_on: date, expected_version: int | None = None
    ) -> dict:
        return self._patient_command(
            command_id,
            "revoke_chronic_disease",
            patient_ref,
            expected_version,
            {"disease": disease, "revoked_on": revoked_on},
            lambda p: p.revoke_chronic_disease(disease, revoked_on),
        )

    def confirm_major_disease(
        self,
        *,
        command_id: str,
        patient_ref: str,
        disease: str,
        confirmed_on: date,
        expected_version: int | None = None,
    ) -> dict:
        require_ref("disease", disease)
        return self._patient_command(
            command_id,
            "confirm_major_disease",
            patient_ref,
            expected_version,
            {"disease": disease, "confirmed_on": confirmed_on},
            lambda p: p.confirm_major_disease(disease, confirmed_on),
        )

    def sign_family_doctor_contract(
        self, *, command_id: str, patient_ref: str, doctor: str, signed_on: date, expected_version: int | None = None
    ) -> dict:
        require_ref("doctor", doctor)
        return self._patient_command(
            command_id,
            "sign_family_doctor_contract",
            patient_ref,
            expected_version,
            {"doctor": doctor, "signed_on": signed_on},
            lambda p: p.sign_family_doctor_contract(doctor, signed_on),
        )

    def record_follow_up(
        self,
        *,
        command_id: str,
        patient_ref: str,
        followed_up_on: date,
        heart_rate: int | None = None,
        blood_glucose: Decimal | None = None,
        systolic: int | None = None,
        diastolic: int | None = None,
        expected_version: int | None = None,
    ) -> dict:
        payload = {
            "followed_up_on": followed_up_on,
            "heart_rate": heart_rate,
            "blood_glucose": blood_glucose,
            "systolic": systolic,
            "diastolic": diastolic,
        }
        return self._patient_command(
            command_id,
            "record_follow_up",
            patient_ref,
            expected_version,
            payload,
            lambda p: p.record_follow_up(followed_up_on, heart_rate, blood_glucose, systolic, diastolic),
        )

    def _patient_command(
        self, command_id: str, command: str, patient_ref: str, expected_version: int | None, payload: dict, apply: Any
    ) -> dict:
        def build() -> tuple[list[Any], dict]:
            patient = self._get_patient(patient_ref)
            check_expected_version(patient, expected_version)
            apply(patient)
            return [patient], _written(patient)

        return execute(
            self, command_id, command, {"patient_ref": patient_ref, **payload}, build, expected_version=expected_version
        )

    # ---- admissions ----------------------------------------------------------------------------
    def register_admission(
        self,
        *,
        command_id: str,
        admission_ref: str,
        patient_ref: str,
        kind: str,
        hospital: dict[str, Any],
        admitted_on: date,
        referred: bool = False,
        diagnosis: str = "",
    ) -> dict:
        require_ref("admission_ref", admission_ref)
        visit_kind = as_enum(VisitKind, kind, "kind")
        hospital = _hospital(hospital)
        payload = {
            "admission_ref": admission_ref,
            "patient_ref": patient_ref,
            "kind": kind,
            "hospital": hospital,
            "admitted_on": admitted_on,
            "referred": referred,
            "diagnosis": diagnosis,
        }

        def build() -> tuple[list[Any], dict]:
            self._get_patient(patient_ref)
            if ids.admission_id(admission_ref) in self.repository:
                raise AlreadyExistsError(f"admission {admission_ref} is already registered")
            admission = Admission(
                admission_ref=admission_ref,
                patient_ref=patient_ref,
                kind=visit_kind.value,
                hospital=hospital,
                referred=referred,
                admitted_on=admitted_on.isoformat(),
                diagnosis=diagnosis,
            )
            return [admission], _written(admission)

        return execute(self, command_id, "register_admission", payload, build)

    def post_charge_line(
        self,
        *,
        command_id: str,
        admission_ref: str,
        line_no: str,
        category: str,
        amount: Decimal,
        compliant: bool,
        expected_version: int | None = None,
    ) -> dict:
        require_ref("line_no", line_no)
        amount = as_amount(amount, "amount")
        return self._admission_command(
            command_id,
            "post_charge_line",
            admission_ref,
            expected_version,
            {"line_no": line_no, "category": category, "amount": amount, "compliant": compliant},
            lambda a: a.post_charge_line(line_no, category, amount, compliant),
        )

    def reverse_charge_line(
        self, *, command_id: str, admission_ref: str, line_no: str, reason: str, expected_version: int | None = None
    ) -> dict:
        return self._admission_command(
            command_id,
            "reverse_charge_line",
            admission_ref,
            expected_version,
            {"line_no": line_no, "reason": reason},
            lambda a: a.reverse_charge_line(line_no, reason),
        )

    def discharge(
        self, *, command_id: str, admission_ref: str, discharged_on: date, expected_version: int | None = None
    ) -> dict:
        return self._admission_command(
            command_id,
            "discharge",
            admission_ref,
            expected_version,
            {"discharged_on": discharged_on},
            lambda a: a.discharge(discharged_on),
        )

    def _admission_command(
        self, command_id: str, command: str, admission_ref: str, expected_version: int | None, payload: dict, apply: Any
    ) -> dict:
        def build() -> tuple[list[Any], dict]:
            admission = self._get_admission(admission_ref)
            check_expected_version(admission, expected_version)
            apply(admission)
            return [admission], _written(admission)

        return execute(
            self,
            command_id,
            command,
            {"admission_ref": admission_ref, **payload},
            build,
            expected_version=expected_version,
        )

    # ---- settlement ----------------------------------------------------------------------------
    def settle_admission(
        self,
        *,
        command_id: str,
        admission_ref: str,
        settled_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> dict:
        """One-stop settlement at discharge: run the cascade for the admission in its patient-year.

        The policy version is the one in force on the service date as known at `settled_at`
        (default: now). The patient-year account is the consistency boundary: concurrent
        settlements of one patient-year are serialised by optimistic concurrency and retried.
        """
        requested_at = None if settled_at is None else as_aware(settled_at, "settled_at")
        settled_at = requested_at or datetime.now(UTC)

        def build() -> tuple[list[Any], dict]:
            admission = self._get_admission(admission_ref)
            check_expected_version(admission, expected_version)
            admission.check_settleable()
            patient = self._get_patient(admission.patient_ref)
            entry, policy = self.policy_in_force(patient.county_code, admission.service_date(), settled_at)
            year = benefit_year_of(admission, policy)
            if not patient.enrolled_in(year):
                raise StateConflictError(f"patient {patient.patient_ref} is not enrolled in basic insurance for {year}")
            account = self._get_or_open_year(patient.patient_ref, year, patient.county_code)
            sid = ids.settlement_id(admission_ref, len(admission.settlements) + 1)
            claim = claim_facts(sid, admission, patient)
            settlement, state_after = settle_claim(claim, account.year_state, policy, entry["version"])
            account.record_settlement(
                sid,
                admission_ref,
                admission.hospital,
                settled_at.isoformat(),
                claim,
                settlement,
                state_after,
                patient_version=patient.version,
                admission_version=admission.version,
            )
            admission.mark_settled(
                sid, str(account.id), settlement.patient_share, settlement.payer_total, settlement.hospital_borne
            )
            result = {
                "settlement_id": sid,
                "patient_ref": patient.patient_ref,
                "year": year,
                "admission_version": admission.version,
                "benefit_year_version": account.version,
                **settlement.to_dict(),
                "payer_total": settlement.payer_total,
                "patient_share": settlement.patient_share,
            }
            return [admission, account], result

        # The fingerprint holds the client's settled_at (None when defaulted), so a plain retry is a replay.
        return execute(
            self,
            command_id,
            "settle_admission",
            {"admission_ref": admission_ref, "settled_at": requested_at},
            build,
            expected_version=expected_version,
        )

    def quote_settlement(self, *, admission_ref: str, settled_at: datetime | None = None) -> dict:
        """What settling the discharged admission now would give, layer by layer, without recording anything.

        The same cascade as `settle_admission`, run in a unit of work that is never committed; the window
        shows the patient this quote, then commits with `settle_admission` (the year may have moved on
        meanwhile, so the committed settlement is the one that counts).
        """
        with unit_of_work():
            result = self.settle_admission(
                command_id=f"quote:{uuid4()}", admission_ref=admission_ref, settled_at=settled_at
            )
        result.pop("replayed", None)
        return {**result, "quote": True}

    def _get_or_open_year(self, patient_ref: str, year: int, county_code: str) -> BenefitYear:
        try:
            return self.repository.get(ids.benefit_year_id(patient_ref, year))
        except AggregateNotFoundError:
            return BenefitYear(patient_ref=patient_ref, year=year, county_code=county_code)

    # ---- policy versions -----------------------------------------------------------------------
    def publish_policy_version(self, *, command_id: str, document: PolicyDocument) -> dict:
        """Publish a policy version. It may take effect before it is published (retroactive)."""
        try:
            PolicyParameters.from_mapping(document.parameters)
        except PolicyError as exc:
            raise ValidationError(f"policy parameters: {exc}") from None
        require_ref("region", document.region)
        require_ref("version", document.version)
        payload = {
            "region": document.region,
            "version": document.version,
            "effective_from": document.effective_from,
            "published_at": document.published_at,
            "parameters": document.parameters,
        }

        def build() -> tuple[list[Any], dict]:
            try:
                register = self.repository.get(ids.policy_register_id(document.region))
            except AggregateNotFoundError:
                register = PolicyRegister(region=document.region)
            version = PolicyVersion(
                region=document.region,
                version=document.version,
                effective_from=document.effective_from.isoformat(),
                published_at=document.published_at.isoformat(),
                title=document.title,
                parameters=document.parameters,
                confidence=document.confidence,
            )
            register.list_version(
                document.version,
                str(version.id),
                document.effective_from.isoformat(),
                document.published_at.isoformat(),
            )
            return [register, version], {
                "policy_version_id": str(version.id),
                "region": document.region,
                "version": document.version,
            }

        return execute(self, command_id, "publish_policy_version", payload, build)

    def policy_in_force(self, region: str, service_date: date, known_at: datetime) -> tuple[dict, PolicyParameters]:
        try:
            entries = self.policy_register(region)
        except NotFoundError as exc:
            raise StateConflictError(f"cannot settle: {exc}") from None
        entry = version_in_force(entries, service_date, known_at)
        return entry, self.policy_parameters(UUID(entry["policy_version_id"]))

    def policy_register(self, region: str) -> list[dict[str, str]]:
        try:
            register: PolicyRegister = self.repository.get(ids.policy_register_id(region))
        except AggregateNotFoundError:
            raise NotFoundError(f"no policy version is published for region {region}") from None
        return list(register.entries)

    def policy_parameters(self, policy_version_id: UUID) -> PolicyParameters:
        """Parsed parameters of a version; versions are immutable, so they are cached."""
        cached = self._policy_cache.get(policy_version_id)
        if cached is None:
            version: PolicyVersion = self.repository.get(policy_version_id)
            cached = self._policy_cache[policy_version_id] = PolicyParameters.from_mapping(version.parameters)
        return cached

    def get_policy_version(self, region: str, version: str) -> PolicyVersion:
        try:
            return self.repository.get(ids.policy_version_id(region, version))
        except AggregateNotFoundError:
            raise NotFoundError(f"no policy version {version} for region {region}") from None

    # ---- queries -------------------------------------------------------------------------------
    def _get_patient(self, patient_ref: str) -> Patient:
        try:
            return self.repository.get(ids.patient_id(patient_ref))
        except AggregateNotFoundError:
            raise NotFoundError(f"no patient {patient_ref}") from None

    def _get_admission(self, admission_ref: str) -> Admission:
        try:
            return self.repository.get(ids.admission_id(admission_ref))
        except AggregateNotFoundError:
            raise NotFoundError(f"no admission {admission_ref}") from None

    def get_patient(self, patient_ref: str) -> Patient:
        return self._get_patient(patient_ref)

    def get_admission(self, admission_ref: str) -> Admission:
        return self._get_admission(admission_ref)

    def get_benefit_year(self, patient_ref: str, year: int, *, version: int | None = None) -> BenefitYearHistory:
        """The auditor's full view of a patient-year (every settlement record), folded from its events."""
        history = BenefitYearHistory.fold(self.events.get(ids.benefit_year_id(patient_ref, year), lte=version))
        if history.version == 0:
            raise NotFoundError(f"no settlements for patient {patient_ref} in {year}")
        return history

    def benefit_year_account(self, patient_ref: str, year: int) -> BenefitYear:
        """The patient-year aggregate itself (lean state), for commands."""
        try:
            return self.repository.get(ids.benefit_year_id(patient_ref, year))
        except AggregateNotFoundError:
            raise NotFoundError(f"no settlements for patient {patient_ref} in {year}") from None


def _written(aggregate: Any) -> dict:
    return {"id": str(aggregate.id), "version": aggregate.version}


def _hospital(hospital: dict[str, Any]) -> dict[str, Any]:
    fields = ("code", "name", "tier", "county_code", "in_county", "in_province", "designated")
    missing = [f for f in fields if f not in hospital]
    if missing:
        raise ValidationError(f"hospital: missing {', '.join(missing)}")
    tier = as_enum(Tier, hospital["tier"], "hospital.tier")
    for flag in ("in_county", "in_province", "designated"):
        if not isinstance(hospital[flag], bool):
            raise ValidationError(f"hospital.{flag}: expected true or false")
    if tier is Tier.OUT_OF_PROVINCE and hospital["in_province"]:
        raise ValidationError("hospital: an out-of-province hospital cannot be in_province")
    if hospital["in_county"] and tier not in (Tier.TOWNSHIP, Tier.COUNTY):
        raise ValidationError("hospital: only township and county hospitals are in the county")
    return {f: hospital[f] for f in fields}
