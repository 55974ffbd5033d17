"""generate_county_year: a seeded, deterministic synthetic Langxi-like county for January..`months`.

Pure: the only randomness is one `random.Random(seed)`, consumed in a fixed order, so the same
arguments always give an equal `CountyPlan`. Calibration parameters live in generator.calibration.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from generator import calibration as cal
from generator import visits as v
from generator.hospitals import REGION, TOWNSHIPS
from generator.plan import (
    ChargeLine,
    ChronicCertificate,
    CountyPlan,
    DoctorContract,
    FollowUp,
    Hospital,
    MajorDiagnosis,
    PatientPlan,
    StatusRecord,
    VisitPlan,
)


@dataclass
class _Draft:
    """A visit before it gets its ref (refs follow settlement order, known only at the end)."""

    patient_ref: str
    kind: str
    hospital: Hospital
    admitted_on: date
    discharged_on: date
    referred: bool
    diagnosis: str
    lines: tuple[ChargeLine, ...]
    seq: int = field(default=0)


def generate_county_year(seed: int, scale: float = 1.0, year: int = 2018, months: int = 7) -> CountyPlan:
    if not 1 <= months <= 12:
        raise ValueError("months: give 1..12")
    if not scale > 0:
        raise ValueError("scale: give a positive number")
    gen = _Generator(random.Random(seed), year, months)
    prefix = f"LX{year}s{seed}x{scale:g}m{months}"
    patients: list[PatientPlan] = []
    drafts: list[_Draft] = []
    groups = (("chronic", cal.CHRONIC_PATIENTS), ("general", cal.GENERAL_PATIENTS), ("major", cal.MAJOR_PATIENTS))
    for group, base in groups:
        count = max(1, round(base * scale))
        diseases = gen.major_quota(count) if group == "major" else [None] * count
        for disease in diseases:
            patient, visits = gen.patient(f"{prefix}-P{len(patients) + 1:06d}", group, disease)
            patients.append(patient)
            drafts.extend(visits)
    for seq, draft in enumerate(drafts):
        draft.seq = seq
    drafts.sort(key=lambda d: (d.discharged_on, d.admitted_on, d.patient_ref, d.seq))
    planned = tuple(
        VisitPlan(
            f"{prefix}-V{i + 1:06d}",
            d.patient_ref,
            d.kind,
            d.hospital,
            d.admitted_on,
            d.discharged_on,
            d.referred,
            d.diagnosis,
            d.lines,
        )
        for i, d in enumerate(drafts)
    )
    return CountyPlan(seed, scale, year, months, REGION, prefix, tuple(patients), planned)


class _Generator:
    def __init__(self, rng: random.Random, year: int, months: int) -> None:
        self.rng, self.year, self.months = rng, year, months
        self.start, self.end = date(year, 1, 1), v.month_end(year, months)

    def in_year(self, last_month: int) -> date:
        """A day from 1 January to the end of month min(last_month, months)."""
        return v.day_between(self.rng, self.start, v.month_end(self.year, min(last_month, self.months)))

    def before_year(self, first: date) -> date:
        return v.day_between(self.rng, first, date(self.year - 1, 12, 31))

    def major_quota(self, count: int) -> list[str]:
        """Major diseases for `count` patients in proportion to their weights (largest remainder), shuffled:
        the disease mix drives the cost tail, so it is stratified rather than drawn."""
        weights = {d: p[0] for d, p in cal.MAJOR_DISEASES.items()}
        exact = {d: count * w / sum(weights.values()) for d, w in weights.items()}
        quota = {d: int(x) for d, x in exact.items()}
        for d in sorted(exact, key=lambda d: quota[d] - exact[d])[: count - sum(quota.values())]:
            quota[d] += 1
        diseases = [d for d in weights for _ in range(quota[d])]
        self.rng.shuffle(diseases)
        return diseases

    def patient(self, ref: str, group: str, disease: str | None) -> tuple[PatientPlan, list[_Draft]]:
        rng = self.rng
        township_index = rng.choices(range(len(TOWNSHIPS)), [w for _, w in TOWNSHIPS])[0]
        township = TOWNSHIPS[township_index][0]
        statuses, eligible_from = self.statuses(
            cal.CHRONIC_STATUS_WEIGHTS if group == "chronic" else cal.STATUS_WEIGHTS
        )
        chronic: tuple[ChronicCertificate, ...] = ()
        major: tuple[MajorDiagnosis, ...] = ()
        drafts: list[_Draft] = []
        if group == "chronic":
            chronic = self.certificates()
            drafts += self.outpatient_visits(ref, township, chronic, max(eligible_from, chronic[0].valid_from))
            count = v.rescaled_count(rng, v.index_from(rng, cal.CHRONIC_ADMISSIONS), self.months)
            drafts += self.admissions(ref, township, count, eligible_from, None)
        elif group == "general":
            count = max(1, v.rescaled_count(rng, v.index_from(rng, cal.GENERAL_ADMISSIONS), self.months))
            drafts += self.admissions(ref, township, count, eligible_from, None)
        else:
            assert disease is not None
            low, high = cal.MAJOR_DISEASES[disease][2]
            count = max(1, v.rescaled_count(rng, rng.randint(low, high), self.months))
            drafts += self.admissions(ref, township, count, eligible_from, disease)
            first = min((d.admitted_on for d in drafts), default=self.start)
            confirmed = first if rng.random() < 0.35 else self.before_year(date(self.year - 2, 1, 1))
            major = (MajorDiagnosis(disease, confirmed),)
        doctor = f"LX-DR-{township_index + 1:02d}-{rng.randint(1, cal.DOCTORS_PER_TOWNSHIP):02d}"
        signed = self.in_year(3) if rng.random() < 0.7 else self.before_year(date(self.year - 1, 1, 1))
        contracts = (DoctorContract(doctor, signed),)
        return PatientPlan(ref, township, group, statuses, chronic, major, contracts, self.follow_ups(chronic)), drafts

    def statuses(self, weights: tuple[tuple[str, float], ...]) -> tuple[tuple[StatusRecord, ...], date]:
        """Poverty status records and the first day of the period the patient is poor."""
        rng = self.rng
        status = v.weighted(rng, weights)
        registered = self.before_year(date(2014, 10, 1))
        draw, newly = rng.random(), cal.NEWLY_REGISTERED_SHARE
        if status == "jiandanglika" and self.months >= 3 and draw < newly:
            on = v.day_between(rng, date(self.year, 2, 1), v.month_end(self.year, min(4, self.months - 1)))
            return (StatusRecord("jiandanglika", on),), on
        if status == "jiandanglika" and self.months >= 3 and draw < newly + cal.DIBAO_TO_JDLK_SHARE:
            on = v.day_between(rng, date(self.year, 2, 1), v.month_end(self.year, min(5, self.months - 1)))
            return (StatusRecord("dibao", registered), StatusRecord("jiandanglika", on, "纳入建档立卡")), self.start
        return (StatusRecord(status, registered),), self.start

    def certificates(self) -> tuple[ChronicCertificate, ...]:
        rng = self.rng
        diseases = [v.weighted(rng, [(d, w) for d, w, _ in cal.CHRONIC_DISEASES])]
        if rng.random() < cal.SECOND_CHRONIC_SHARE:
            second = v.weighted(rng, [(d, w) for d, w, _ in cal.CHRONIC_DISEASES])
            if second != diseases[0]:
                diseases.append(second)
        late = self.months >= 2 and rng.random() < cal.LATE_CERTIFICATE_SHARE
        first_from = self.in_year(self.months - 1) if late else self.before_year(date(2016, 1, 1))
        return tuple(
            ChronicCertificate(d, first_from if i == 0 else self.before_year(date(2016, 1, 1)))
            for i, d in enumerate(diseases)
        )

    def outpatient_visits(
        self, ref: str, township: str, chronic: tuple[ChronicCertificate, ...], eligible_from: date
    ) -> list[_Draft]:
        rng = self.rng
        multiplier = {d: m for d, _, m in cal.CHRONIC_DISEASES}[chronic[0].disease]
        median, sigma = cal.OUTPATIENT_COST
        drafts = []
        for month in range(1, self.months + 1):
            for _ in range(v.index_from(rng, cal.OUTPATIENT_MONTHLY)):
                day = v.day_between(rng, date(self.year, month, 1), v.month_end(self.year, month))
                hospital = v.hospital_for(rng, v.weighted(rng, cal.OUTPATIENT_TIERS), township)
                cents = v.cost_cents(rng, median * multiplier, sigma, cal.OUTPATIENT_MIN)
                lines = v.outpatient_lines(rng, cents)
                if day >= eligible_from:
                    drafts.append(
                        _Draft(ref, "outpatient_chronic", hospital, day, day, False, chronic[0].disease, lines)
                    )
        return drafts

    def admissions(self, ref: str, township: str, count: int, eligible_from: date, disease: str | None) -> list[_Draft]:
        """`count` admissions, one in each of `count` equal windows of the eligible period."""
        rng = self.rng
        span = (self.end - eligible_from).days + 1
        drafts = []
        for i in range(count):
            if disease is None:
                tier = v.weighted(rng, cal.INPATIENT_TIERS)
                median, sigma, minimum, (los_min, los_max) = cal.INPATIENT_COST[tier]
                diagnosis = rng.choice(cal.GENERAL_DIAGNOSES)
            else:
                _, tiers, _, median, sigma = cal.MAJOR_DISEASES[disease]
                tier = v.weighted(rng, tiers)
                _, _, minimum, (los_min, los_max) = cal.INPATIENT_COST[tier]
                diagnosis = disease
            stay = rng.randint(los_min, los_max)
            window_first = eligible_from.toordinal() + span * i // count
            window_last = eligible_from.toordinal() + span * (i + 1) // count - 1 - stay
            cents = v.cost_cents(rng, median, sigma, minimum)
            lines = v.inpatient_lines(rng, cents, v.inpatient_noncompliant_share(rng, tier))
            hospital = v.hospital_for(rng, tier, township)
            referred = not hospital.in_county and rng.random() < cal.REFERRED_SHARE
            if window_last < window_first:
                continue  # the stay does not fit in the period: not discharged by its end
            admitted = date.fromordinal(rng.randint(window_first, window_last))
            discharged = date.fromordinal(admitted.toordinal() + stay)
            drafts.append(_Draft(ref, "inpatient", hospital, admitted, discharged, referred, diagnosis, lines))
        return drafts

    def follow_ups(self, chronic: tuple[ChronicCertificate, ...]) -> tuple[FollowUp, ...]:
        """Quarterly follow-ups for chronic patients (after certification); one check for some others."""
        rng = self.rng
        diseases = {c.disease for c in chronic}
        if chronic:
            days = [
                v.day_between(rng, date(self.year, m, 1), v.month_end(self.year, m))
                for m in range(1, self.months + 1, 3)
            ]
            days = [d for d in days if d >= min(c.valid_from for c in chronic)]
        else:
            days = [self.in_year(self.months)] if rng.random() < cal.GENERAL_CHECKUP_SHARE else []
        result = []
        for day in days:
            systolic = rng.randint(118, 168) if "hypertension" in diseases or not chronic else None
            diastolic = None if systolic is None else rng.randint(68, min(systolic - 25, 104))
            glucose = Decimal(f"{rng.uniform(4.8, 12.5):.1f}") if "diabetes" in diseases else None
            result.append(FollowUp(day, rng.randint(56, 98), glucose, systolic, diastolic))
        return tuple(result)
