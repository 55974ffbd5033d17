"""generate_qiongzhong_year: a seeded synthetic 琼中 (469030, Hainan) county for January..`months`.

Pure and deterministic like generator.model (one `random.Random(seed)`, consumed in a fixed order).
Every count, share and cost here is ILLUSTRATIVE: no 琼中 figures were found to calibrate against
(docs/hainan.md). The plan exercises the Hainan rules: the programme's nine diseases treated under
a treatment plan, mostly at the designated provincial centre (billed around the single-disease
standard, so some admissions are capped), some at a city hospital that is no centre (flagged), a few
without a confirmed diagnosis; 健康扶贫补充保险 on every 建档立卡 settlement; charity grants for some
major-disease patients; health cards, annual check-ups, family-doctor contracts with the high-risk /
ordinary class, and follow-ups (monthly for the high-risk, quarterly for the others).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from generator import calibration as cal
from generator import visits as v
from generator.plan import (
    ChargeLine,
    CharityGrantRecord,
    ChronicCertificate,
    CountyPlan,
    DoctorContract,
    FollowUp,
    Hospital,
    MajorDiagnosis,
    PatientPlan,
    RiskClassRecord,
    StatusRecord,
    TreatmentPlanRecord,
    VisitPlan,
)

REGION = "469030"

# (township, relative population weight): names real, weights ILLUSTRATIVE.
TOWNSHIPS: tuple[tuple[str, float], ...] = (
    ("营根镇", 0.30),
    ("湾岭镇", 0.13),
    ("黎母山镇", 0.10),
    ("和平镇", 0.10),
    ("红毛镇", 0.09),
    ("长征镇", 0.08),
    ("中平镇", 0.08),
    ("上安乡", 0.05),
    ("什运乡", 0.04),
    ("吊罗山乡", 0.03),
)
TOWNSHIP_CENTRES = {
    t: Hospital(f"QZ-THC-{i + 1:02d}", f"琼中县{t}卫生院", "township", REGION, True, True, True)
    for i, (t, _) in enumerate(TOWNSHIPS)
}
COUNTY = (
    Hospital("QZ-CPH", "琼中县人民医院", "county", REGION, True, True, True),
    Hospital("QZ-TCM", "琼中县中医院", "county", REGION, True, True, True),
)
CITY = (  # designated for basic insurance, a designated centre for no programme disease
    Hospital("HK-CPH", "海口市人民医院", "city", "460100", False, True, True),
    Hospital("SY-CPH", "三亚市人民医院", "city", "460200", False, True, True),
)
# The provincial designated centres the plan names (codes as in hainan_default.toml [major_disease.centres]).
CENTRES = {
    "HN-TUMOUR": Hospital("HN-TUMOUR", "海南省肿瘤医院", "province", "460100", False, True, True),
    "HN-PEOPLE": Hospital("HN-PEOPLE", "海南省人民医院", "province", "460100", False, True, True),
    "HN-HMU1": Hospital("HN-HMU1", "海南医学院第一附属医院", "province", "460100", False, True, True),
    "HN-EYE": Hospital("HN-EYE", "海南省眼科医院", "province", "460100", False, True, True),
}
ALL_HOSPITALS: tuple[Hospital, ...] = (*TOWNSHIP_CENTRES.values(), *COUNTY, *CITY, *CENTRES.values())

# disease -> (weight, centre, name, treatments, admissions (low, high), median cost yuan at the centre)
DISEASES: dict[str, tuple[float, str, str, tuple[str, ...], tuple[int, int], float]] = {
    "cataract": (0.30, "HN-EYE", "白内障", ("surgery",), (1, 1), 4000.0),
    "esrd": (0.14, "HN-HMU1", "终末期肾病", ("dialysis",), (3, 6), 7000.0),
    "thalassemia_major": (0.10, "HN-PEOPLE", "重型地中海贫血", ("transfusion_chelation",), (2, 4), 10000.0),
    "gastric_cancer": (0.10, "HN-TUMOUR", "胃癌", ("surgery", "chemotherapy"), (1, 3), 30000.0),
    "esophageal_cancer": (0.08, "HN-TUMOUR", "食管癌", ("surgery", "chemotherapy"), (1, 3), 32000.0),
    "colon_cancer": (0.08, "HN-TUMOUR", "结肠癌", ("surgery", "chemotherapy"), (1, 3), 28000.0),
    "rectal_cancer": (0.07, "HN-TUMOUR", "直肠癌", ("surgery", "chemotherapy"), (1, 3), 30000.0),
    "child_chd": (0.08, "HN-HMU1", "儿童先天性心脏病", ("surgery", "interventional"), (1, 1), 32000.0),
    "child_leukemia": (0.05, "HN-PEOPLE", "儿童白血病", ("chemotherapy",), (2, 4), 70000.0),
}


def registry_payload(hospital: Hospital) -> dict[str, Any]:
    """The hospital as registered (legacy_shapes.register_hospital_command): a provincial centre with the
    programme diseases it is the designated centre for (as DISEASES names them, sorted)."""
    centre_for = sorted(disease for disease, row in DISEASES.items() if row[1] == hospital.code)
    payload = hospital.as_payload()
    if centre_for:
        payload["designated_centre_for"] = centre_for
    return payload


GENERAL_PATIENTS, CHRONIC_PATIENTS, MAJOR_PATIENTS = 1300, 500, 200  # at scale 1.0
STATUS_WEIGHTS = (("jiandanglika", 0.72), ("dibao", 0.14), ("tekun", 0.04), ("disabled_poor", 0.05), ("none", 0.05))
INPATIENT_TIERS = (("township", 0.35), ("county", 0.50), ("city", 0.10), ("province", 0.05))
AT_CENTRE_SHARE = 0.8  # major-disease admissions at the designated centre (else a city hospital: flagged)
CONFIRMED_SHARE = 0.92  # major diagnoses confirmed (核准) before the first admission
PLANNED_SHARE = 0.9  # major-disease patients with a treatment plan
GRANT_SHARE = 0.3  # major-disease patients granted charity assistance
HEALTH_CARD_SHARE = 0.88  # poor patients with a health card
CHECK_UP_SHARE = 0.65  # patients with the year's health check-up in the period
CONTRACT_SHARE = 0.9  # poor patients with a family-doctor contract
HIGH_RISK_SHARE = 0.3  # chronic patients classified high-risk
FOLLOW_UP_ADHERENCE = 0.85  # each scheduled follow-up actually made


def generate_qiongzhong_year(seed: int, scale: float = 1.0, year: int = 2018, months: int = 7) -> CountyPlan:
    if not 1 <= months <= 12:
        raise ValueError("months: give 1..12")
    if not scale > 0:
        raise ValueError("scale: give a positive number")
    gen = _Generator(random.Random(seed), year, months)
    prefix = f"QZ{year}s{seed}x{scale:g}m{months}"
    patients: list[PatientPlan] = []
    drafts: list[tuple[date, date, str, int, VisitPlan]] = []
    for group, base in (("general", GENERAL_PATIENTS), ("chronic", CHRONIC_PATIENTS), ("major", MAJOR_PATIENTS)):
        for _ in range(max(1, round(base * scale))):
            patient, visits = gen.patient(f"{prefix}-P{len(patients) + 1:06d}", group)
            patients.append(patient)
            drafts += [
                (d.discharged_on, d.admitted_on, d.patient_ref, len(drafts) + i, d) for i, d in enumerate(visits)
            ]
    drafts.sort(key=lambda d: d[:4])
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
        for i, (*_, d) in enumerate(drafts)
    )
    return CountyPlan(seed, scale, year, months, REGION, prefix, tuple(patients), planned)


class _Generator:
    def __init__(self, rng: random.Random, year: int, months: int) -> None:
        self.rng, self.year, self.months = rng, year, months
        self.start, self.end = date(year, 1, 1), v.month_end(year, months)

    def day(self, first: date | None = None, last: date | None = None) -> date:
        return v.day_between(self.rng, first or self.start, last or self.end)

    def patient(self, ref: str, group: str) -> tuple[PatientPlan, list[VisitPlan]]:
        rng = self.rng
        township = v.weighted(rng, TOWNSHIPS)
        status = v.weighted(rng, STATUS_WEIGHTS)
        statuses = (StatusRecord(status, self.day(date(2014, 10, 1), date(self.year - 1, 12, 31))),)
        poor = status != "none"
        chronic: tuple[ChronicCertificate, ...] = ()
        major: tuple[MajorDiagnosis, ...] = ()
        plans: tuple[TreatmentPlanRecord, ...] = ()
        grants: tuple[CharityGrantRecord, ...] = ()
        visits: list[VisitPlan] = []
        if group == "general":
            visits = self.admissions(ref, township, rng.choice((1, 1, 1, 2)))
        elif group == "chronic":
            disease = rng.choice(("hypertension", "diabetes"))
            chronic = (ChronicCertificate(disease, self.day(date(2015, 1, 1), date(self.year - 1, 12, 31))),)
            visits = self.outpatient_visits(ref, township, disease)
        else:
            disease = v.weighted(rng, [(d, spec[0]) for d, spec in DISEASES.items()])
            _, centre, name, treatments, (low, high), median = DISEASES[disease]
            count = max(1, round(rng.randint(low, high) * self.months / 12))
            visits = self.major_admissions(ref, disease, CENTRES[centre], name, median, count)
            first = min(visit.admitted_on for visit in visits)
            if rng.random() < CONFIRMED_SHARE:
                major = (MajorDiagnosis(disease, first - timedelta(days=rng.randint(7, 60))),)
            if rng.random() < PLANNED_SHARE:
                plans = (
                    TreatmentPlanRecord(disease, rng.choice(treatments), first - timedelta(days=rng.randint(1, 6))),
                )
            if poor and rng.random() < GRANT_SHARE:
                amount = Decimal(rng.randrange(500, 5001, 50)).quantize(Decimal("0.01"))
                grants = (CharityGrantRecord(f"{ref}-G1", amount, max(self.start, first - timedelta(days=3))),)
        card = (
            (f"HC-{ref}", self.day(date(2017, 9, 1), date(self.year, 3, 31)))
            if poor and rng.random() < HEALTH_CARD_SHARE
            else None
        )
        check_ups = (self.day(),) if rng.random() < CHECK_UP_SHARE else ()
        contracts: tuple[DoctorContract, ...] = ()
        risks: tuple[RiskClassRecord, ...] = ()
        follow_ups: tuple[FollowUp, ...] = ()
        if poor and rng.random() < CONTRACT_SHARE:
            signed = self.day(date(self.year - 1, 6, 1), date(self.year, 1, 20))
            contracts = (DoctorContract(f"QZ-DR-{rng.randint(1, 40):02d}", signed),)
            if chronic:
                risk = "high_risk" if rng.random() < HIGH_RISK_SHARE else "ordinary"
                risks = (RiskClassRecord(risk, max(signed, date(self.year, 1, 1))),)
                follow_ups = self.follow_ups(chronic[0].disease, risk)
        patient = PatientPlan(
            ref,
            township,
            group,
            statuses,
            chronic,
            major,
            contracts,
            follow_ups,
            treatment_plans=plans,
            charity_grants=grants,
            health_card=card,
            check_ups=check_ups,
            risk_classes=risks,
        )
        return patient, visits

    def _stay(self, ref: str, hospital: Hospital, diagnosis: str, cents: int, stay: int, tier: str) -> VisitPlan | None:
        rng = self.rng
        last = self.end - timedelta(days=stay)
        if last < self.start:
            return None
        admitted = self.day(self.start, last)
        lines = v.inpatient_lines(rng, cents, v.inpatient_noncompliant_share(rng, tier))
        referred = not hospital.in_county and rng.random() < cal.REFERRED_SHARE
        discharged = admitted + timedelta(days=stay)
        return VisitPlan("", ref, "inpatient", hospital, admitted, discharged, referred, diagnosis, lines)

    def admissions(self, ref: str, township: str, count: int) -> list[VisitPlan]:
        rng, out = self.rng, []
        for _ in range(count):
            tier = v.weighted(rng, INPATIENT_TIERS)
            median, sigma, minimum, (los_min, los_max) = cal.INPATIENT_COST[tier]
            hospital = {
                "township": TOWNSHIP_CENTRES[township],
                "county": rng.choice(COUNTY),
                "city": rng.choice(CITY),
                "province": CENTRES["HN-PEOPLE"],
            }[tier]
            cents = v.cost_cents(rng, median, sigma, minimum)
            visit = self._stay(
                ref, hospital, rng.choice(cal.GENERAL_DIAGNOSES), cents, rng.randint(los_min, los_max), tier
            )
            out += [visit] if visit else []
        return out

    def major_admissions(
        self, ref: str, disease: str, centre: Hospital, name: str, median: float, count: int
    ) -> list[VisitPlan]:
        rng, out = self.rng, []
        for _ in range(count):
            hospital = centre if rng.random() < AT_CENTRE_SHARE else rng.choice(CITY)
            cents = v.cost_cents(rng, median, 0.25, median * 0.4)
            visit = self._stay(ref, hospital, name, cents, rng.randint(3, 14), hospital.tier)
            out += [visit] if visit else []
        if not out:  # always one admission: a short one at the centre in the period
            cents = v.cost_cents(rng, median, 0.25, median * 0.4)
            visit = self._stay(ref, centre, name, cents, 2, centre.tier)
            out += [visit] if visit else []
        return out

    def outpatient_visits(self, ref: str, township: str, disease: str) -> list[VisitPlan]:
        rng, out = self.rng, []
        for month in range(1, self.months + 1):
            for _ in range(v.index_from(rng, cal.OUTPATIENT_MONTHLY)):
                day = self.day(date(self.year, month, 1), v.month_end(self.year, month))
                hospital = TOWNSHIP_CENTRES[township] if rng.random() < 0.7 else rng.choice(COUNTY)
                lines: tuple[ChargeLine, ...] = v.outpatient_lines(rng, v.cost_cents(rng, 80.0, 0.55, 10.0))
                out.append(VisitPlan("", ref, "outpatient_chronic", hospital, day, day, False, disease, lines))
        return out

    def follow_ups(self, disease: str, risk: str) -> tuple[FollowUp, ...]:
        rng = self.rng
        months = range(1, self.months + 1) if risk == "high_risk" else range(1, self.months + 1, 3)
        result = []
        for month in months:
            if rng.random() < FOLLOW_UP_ADHERENCE:
                day = self.day(date(self.year, month, 1), v.month_end(self.year, month))
                systolic = rng.randint(118, 168) if disease == "hypertension" else None
                diastolic = None if systolic is None else rng.randint(68, min(systolic - 25, 104))
                glucose = Decimal(f"{rng.uniform(4.8, 12.5):.1f}") if disease == "diabetes" else None
                result.append(FollowUp(day, rng.randint(56, 98), glucose, systolic, diastolic))
        return tuple(result)
