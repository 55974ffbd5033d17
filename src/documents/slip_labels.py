"""The Chinese names a settlement slip (结算单) prints: payers, hospital levels, visit kinds, poverty statuses.

Names only (what a patient reads at the one-stop window); which payer pays what is policy data.
"""

from __future__ import annotations

from domain.vocabulary import Payer, PovertyStatus, Tier, VisitKind

PAYER_NAMES = {
    Payer.NCMS: "基本医保（新农合）",
    Payer.CII: "大病保险",
    Payer.MA: "医疗救助",
    Payer.B351: "政府兜底“351”",
    Payer.S180: "“180”补充医保",
    Payer.S5090: "“5090”补充保障",
    Payer.REASSIST: "再救助",
    Payer.HPSI: "健康扶贫补充保险",
    Payer.CHARITY: "慈善医疗救助",
}
TIER_NAMES = {
    Tier.TOWNSHIP: "乡镇级",
    Tier.COUNTY: "县级",
    Tier.CITY: "市级",
    Tier.PROVINCE: "省级",
    Tier.OUT_OF_PROVINCE: "省外",
}
VISIT_TITLES = {
    VisitKind.INPATIENT: "住院费用结算单",
    VisitKind.OUTPATIENT_CHRONIC: "慢性病门诊费用结算单",
}
VISIT_NAMES = {VisitKind.INPATIENT: "住院", VisitKind.OUTPATIENT_CHRONIC: "慢性病门诊"}
STATUS_NAMES = {
    PovertyStatus.JIANDANGLIKA: "建档立卡贫困人口",
    PovertyStatus.DIBAO: "农村低保对象",
    PovertyStatus.TEKUN: "特困供养人员",
    PovertyStatus.DISABLED_POOR: "贫困残疾人",
    PovertyStatus.LIFTED: "已脱贫人口",
    PovertyStatus.NONE: "普通参保人员",
}
WITHHELD = "（无权查看）"  # a field the reader's role may not see
