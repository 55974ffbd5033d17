"""Calibration parameters of the synthetic county (all ILLUSTRATIVE, tuned, not sourced).

Tuned so that a scale-1.0, January-July plan settled under the default Langxi policy lands near
the Langxi report of 2018-07 (seed 000: 23,586 person-times, 15.0505 M yuan, payers 13.3582 M).
Reasoning (benefit-rules-research.md 0.1): 638 yuan per person-time means most person-times are
cheap outpatient chronic visits; "180" = 0.493 M is 80 % x 40 % of certified outpatient compliant
cost, so that cost is about 1.5 M; the rest (about 13.5 M) is inpatient care. Group sizes are
per scale 1.0 for `months` = 7 and are multiplied by scale (months scale visit counts, not people).

Result (seed 1, scale 1.0, loaded through the ledger; seeds 1-8 in the dry run in brackets):
person-times 0.999 (0.99-1.01) of Langxi, total cost 1.015 (0.96-1.02), compensation 1.010, ratio
88.33 % (Langxi 88.76), in-county 89.9 % (90.03), in-province inpatient ratio 88.8 % (89.97), NCMS
1.01, 大病 1.15 (0.99-1.15), 救助 1.05, "180" 0.99, "5090" 0.77 (0.4-1.0), 351 backstop 0.17 (0.1-0.3).
Known gaps: (1) 351 is structurally small under the default policy: with assistance (50 %, 10,000/yr)
before the backstop, 351 pays only when a patient's compliant self-pay after NCMS exceeds about 7,500
(county cap) / 17,500 (city) / 42,500 (province) in the year; Langxi's 351:大病 ratio of 0.27 would
need almost all 大病 money to come from patients with self-pay after NCMS near 100,000. Putting b351
before ma in the cascade triples it (about 0.6 of Langxi): a policy question, not a generator one.
(2) "5090" (hypothesis H1) comes from a handful of very costly major-disease patients (child leukaemia,
haemophilia, out-of-province care), so it swings with the seed. (3) Re-assistance pays a little
(dibao/tekun and unreferred care); Langxi reported none because it first paid in August 2018.
"""

from __future__ import annotations

# ---- who ---------------------------------------------------------------------------------------
CHRONIC_PATIENTS = 3170  # certified chronic-disease patients (8 Langxi chronic diseases)
GENERAL_PATIENTS = 1080  # poor patients admitted at least once, no certificate, no major disease
MAJOR_PATIENTS = 120  # confirmed major disease (the 15-disease list of the default policy)

STATUS_WEIGHTS = (("jiandanglika", 0.90), ("dibao", 0.07), ("tekun", 0.03))
CHRONIC_STATUS_WEIGHTS = (("jiandanglika", 0.94), ("dibao", 0.04), ("tekun", 0.02))
NEWLY_REGISTERED_SHARE = 0.03  # 建档立卡 recorded during the year; visits only after that date
DIBAO_TO_JDLK_SHARE = 0.01  # low-income (dibao) households brought into 建档立卡 during the year
LATE_CERTIFICATE_SHARE = 0.10  # chronic certificates issued during the year (绿色通道)
SECOND_CHRONIC_SHARE = 0.15

# (disease, weight, outpatient cost multiplier): disease names are the default policy's list.
CHRONIC_DISEASES = (
    ("hypertension", 0.40, 0.85),
    ("diabetes", 0.18, 1.35),
    ("coronary_heart_disease", 0.10, 1.2),
    ("copd", 0.08, 1.1),
    ("stroke_sequelae", 0.11, 1.0),
    ("chronic_hepatitis", 0.04, 1.6),
    ("rheumatoid_arthritis", 0.04, 1.0),
    ("severe_mental_illness", 0.05, 1.3),
)

# ---- outpatient chronic visits ------------------------------------------------------------------
OUTPATIENT_MONTHLY = (0.10, 0.82, 0.08)  # P(0, 1, 2 visits in a month)
OUTPATIENT_COST = (66.0, 0.55)  # lognormal (median yuan, sigma) before the disease multiplier
OUTPATIENT_MIN = 8.0
OUTPATIENT_TIERS = (("township", 0.70), ("county", 0.21), ("city", 0.06), ("province", 0.03))
OUTPATIENT_NONCOMPLIANT = (0.08, 0.10, 0.35)  # P(a non-catalogue drug line), its share range

# ---- inpatient admissions -----------------------------------------------------------------------
CHRONIC_ADMISSIONS = (0.70, 0.23, 0.06, 0.01)  # P(0, 1, 2, 3 admissions) in January-July
GENERAL_ADMISSIONS = (0.0, 0.79, 0.16, 0.05)
INPATIENT_TIERS = (
    ("township", 0.40),
    ("county", 0.50),
    ("city", 0.06),
    ("province", 0.035),
    ("out_of_province", 0.005),
)
# tier: (median cost yuan, sigma, minimum, length of stay (min, max) days)
INPATIENT_COST = {
    "township": (1400.0, 0.4, 300.0, (3, 8)),
    "county": (2900.0, 0.5, 600.0, (4, 12)),
    "city": (5600.0, 0.55, 1500.0, (6, 15)),
    "province": (9000.0, 0.6, 3000.0, (7, 20)),
    "out_of_province": (13000.0, 0.65, 4000.0, (7, 21)),
}
GENERAL_DIAGNOSES = (
    "pneumonia",
    "fracture",
    "cholecystitis",
    "appendicitis",
    "gastroenteritis",
    "hernia",
    "cataract",
    "lumbar_disc_herniation",
    "cerebral_infarction",
    "bronchitis",
)
REFERRED_SHARE = 0.92  # of out-of-county admissions (unreferred ones get half the NCMS ratio)
# non-compliant (目录外) share of an admission: P(none), usual range, P(over the 10 % limit), its range
INPATIENT_NONCOMPLIANT = (0.50, (0.01, 0.06), 0.02, (0.10, 0.16))
OUT_OF_PROVINCE_EXTRA_NONCOMPLIANT = (0.04, 0.12)

# ---- major diseases -----------------------------------------------------------------------------
# disease: (weight, tiers, admissions (min, max), median cost per admission, sigma)
MAJOR_DISEASES = {
    "esrd": (0.22, (("county", 0.8), ("city", 0.2)), (4, 7), 6500.0, 0.25),
    "esophageal_cancer": (
        0.08,
        (("province", 0.45), ("city", 0.25), ("county", 0.25), ("out_of_province", 0.05)),
        (2, 5),
        9000.0,
        0.45,
    ),
    "gastric_cancer": (
        0.09,
        (("province", 0.45), ("city", 0.25), ("county", 0.25), ("out_of_province", 0.05)),
        (2, 5),
        9000.0,
        0.45,
    ),
    "colon_cancer": (
        0.05,
        (("province", 0.5), ("city", 0.25), ("county", 0.2), ("out_of_province", 0.05)),
        (2, 5),
        8500.0,
        0.45,
    ),
    "rectal_cancer": (
        0.04,
        (("province", 0.5), ("city", 0.25), ("county", 0.2), ("out_of_province", 0.05)),
        (2, 5),
        8500.0,
        0.45,
    ),
    "lung_cancer": (
        0.09,
        (("province", 0.5), ("city", 0.2), ("county", 0.2), ("out_of_province", 0.1)),
        (2, 5),
        9500.0,
        0.5,
    ),
    "liver_cancer": (
        0.06,
        (("province", 0.5), ("city", 0.2), ("county", 0.2), ("out_of_province", 0.1)),
        (2, 4),
        10000.0,
        0.5,
    ),
    "breast_cancer": (0.06, (("province", 0.5), ("city", 0.3), ("county", 0.2)), (2, 5), 8000.0, 0.45),
    "cervical_cancer": (0.05, (("province", 0.5), ("city", 0.3), ("county", 0.2)), (2, 5), 8000.0, 0.45),
    "child_leukemia": (0.05, (("province", 0.9), ("out_of_province", 0.1)), (3, 6), 42000.0, 0.35),
    "child_chd": (0.02, (("province", 0.6), ("out_of_province", 0.4)), (1, 2), 45000.0, 0.35),
    "severe_mental_illness": (0.18, (("city", 0.6), ("county", 0.4)), (1, 3), 8000.0, 0.4),
    "mdr_tb": (0.05, (("city", 0.5), ("province", 0.5)), (1, 3), 11000.0, 0.4),
    "aids_oi": (0.02, (("province", 1.0),), (1, 2), 15000.0, 0.4),
    "hemophilia": (0.05, (("province", 1.0),), (3, 5), 32000.0, 0.35),
}

# ---- charge lines -------------------------------------------------------------------------------
INPATIENT_CATEGORIES = (
    ("drugs", 0.36),
    ("lab", 0.12),
    ("exams", 0.12),
    ("treatment", 0.14),
    ("bed", 0.06),
    ("nursing", 0.05),
    ("materials", 0.10),
    ("surgery", 0.05),
)
NONCOMPLIANT_CATEGORIES = ("drugs", "materials", "treatment")
OUTPATIENT_EXTRA_LINE = 0.35  # P(a lab/exam line next to the drugs line)

# ---- non-financial events -----------------------------------------------------------------------
DOCTORS_PER_TOWNSHIP = 6
GENERAL_CHECKUP_SHARE = 0.5  # non-chronic patients with one follow-up (annual check) in the period
