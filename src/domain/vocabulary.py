"""The ledger's fixed vocabulary: hospital tiers, poverty statuses, visit kinds, payers, treatments.

These are names, not policy numbers: which status or tier gets what is policy data.
"""

from __future__ import annotations

from enum import Enum


class Tier(str, Enum):
    """Hospital level (医疗机构级别)."""

    TOWNSHIP = "township"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    OUT_OF_PROVINCE = "out_of_province"


class PovertyStatus(str, Enum):
    """Poverty registration categories (effective-dated on the patient)."""

    JIANDANGLIKA = "jiandanglika"  # 建档立卡贫困人口
    DIBAO = "dibao"  # 农村低保对象
    TEKUN = "tekun"  # 特困供养人员
    DISABLED_POOR = "disabled_poor"  # 贫困残疾人
    LIFTED = "lifted"  # 脱贫 (out of poverty; "脱贫不脱政策" is policy data)
    NONE = "none"  # not registered as poor


class VisitKind(str, Enum):
    """What kind of care an admission record stands for."""

    INPATIENT = "inpatient"
    OUTPATIENT_CHRONIC = "outpatient_chronic"


class Payer(str, Enum):
    """The payer layers of the comprehensive medical-security cascade."""

    NCMS = "ncms"  # 新农合 / 城乡居民基本医保
    CII = "cii"  # 大病保险
    MA = "ma"  # 民政医疗救助
    B351 = "b351"  # 政府兜底 "351"
    S180 = "s180"  # 慢性病门诊补充 "180"
    S5090 = "s5090"  # 郎溪 "5090" 重大疾病补充
    REASSIST = "reassist"  # 大病医疗再救助
    HPSI = "hpsi"  # 健康扶贫补充保险 (Hainan health-poverty supplementary insurance)
    CHARITY = "charity"  # 慈善医疗救助, paid from recorded charity fund grants


PAYER_LABELS_ZH = {
    Payer.NCMS: "新农合补偿",
    Payer.CII: "大病保险",
    Payer.MA: "民政救助",
    Payer.B351: "政府兜底",
    Payer.S180: "“180”补充医保",
    Payer.S5090: "“5090”工程",
    Payer.REASSIST: "大病医疗再救助",
    Payer.HPSI: "健康扶贫补充保险",
    Payer.CHARITY: "慈善医疗救助",
}


class Treatment(str, Enum):
    """How a major disease is treated on an admission (诊疗方案的治疗方式: 手术、化疗、放疗等)."""

    SURGERY = "surgery"  # 手术
    CHEMOTHERAPY = "chemotherapy"  # 化疗
    RADIOTHERAPY = "radiotherapy"  # 放疗
    DIALYSIS = "dialysis"  # 透析
    INTERVENTIONAL = "interventional"  # 介入治疗
    TRANSFUSION_CHELATION = "transfusion_chelation"  # 输血及去铁治疗
    STEM_CELL_TRANSPLANT = "stem_cell_transplant"  # 造血干细胞移植


class ChronicRisk(str, Enum):
    """The family doctor's classification of a contracted chronic patient (慢病签约: 高危 / 一般)."""

    HIGH_RISK = "high_risk"  # 高危
    ORDINARY = "ordinary"  # 一般


TREATMENT_LABELS_ZH = {
    Treatment.SURGERY: "手术",
    Treatment.CHEMOTHERAPY: "化疗",
    Treatment.RADIOTHERAPY: "放疗",
    Treatment.DIALYSIS: "透析",
    Treatment.INTERVENTIONAL: "介入治疗",
    Treatment.TRANSFUSION_CHELATION: "输血及去铁治疗",
    Treatment.STEM_CELL_TRANSPLANT: "造血干细胞移植",
}


class AuditReason(str, Enum):
    """Kinds of irregular billing found by supervision (不合理检查/施治/用药/收费)."""

    UNREASONABLE_EXAMINATION = "unreasonable_examination"  # 不合理检查
    UNREASONABLE_TREATMENT = "unreasonable_treatment"  # 不合理施治
    UNREASONABLE_DRUG = "unreasonable_drug"  # 不合理用药
    UNREASONABLE_CHARGE = "unreasonable_charge"  # 不合理收费


class PremiumPayer(str, Enum):
    """Who paid a year's basic-insurance premium (参合金) at enrolment."""

    COUNTY_FINANCE = "county_finance"  # 财政全额代缴 (Langxi: the county pays in full for the poor)
    SELF = "self"  # 个人缴纳
    OTHER = "other"  # 其他 (a village collective, a charity, a relative)
