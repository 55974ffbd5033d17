"""A fixed, Langxi-like list of townships and hospitals (names real, codes and weights ILLUSTRATIVE).

Langxi (郎溪县, region 341821) patients use their township health centre (乡镇卫生院) and the two
county hospitals in the county, Xuancheng's city hospital, provincial hospitals in Hefei / Wuhu,
and, across the nearby border, hospitals in Jiangsu, Zhejiang and Shanghai.
"""

from __future__ import annotations

from generator.plan import Hospital

REGION = "341821"

# (township, relative population weight): ILLUSTRATIVE weights.
TOWNSHIPS: tuple[tuple[str, float], ...] = (
    ("建平镇", 0.25),
    ("十字镇", 0.12),
    ("新发镇", 0.11),
    ("涛城镇", 0.10),
    ("梅渚镇", 0.10),
    ("毕桥镇", 0.09),
    ("飞鲤镇", 0.09),
    ("凌笪乡", 0.07),
    ("姚村乡", 0.07),
)


def _township_centre(index: int, township: str) -> Hospital:
    name = "建平镇社区卫生服务中心" if township == "建平镇" else f"{township}中心卫生院"
    return Hospital(f"LX-THC-{index + 1:02d}", name, "township", REGION, True, True, True)


TOWNSHIP_CENTRES: dict[str, Hospital] = {t: _township_centre(i, t) for i, (t, _) in enumerate(TOWNSHIPS)}

COUNTY_PEOPLES = Hospital("LX-CPH", "郎溪县人民医院", "county", REGION, True, True, True)
COUNTY_TCM = Hospital("LX-TCM", "郎溪县中医院", "county", REGION, True, True, True)
CITY = (
    Hospital("XC-CPH", "宣城市人民医院", "city", "341802", False, True, True),
    Hospital("XC-CTR", "宣城市中心医院", "city", "341802", False, True, True),
)
PROVINCE = (
    Hospital("AH-SL", "安徽省立医院", "province", "340103", False, True, True),
    Hospital("AH-AYFY", "安徽医科大学第一附属医院", "province", "340104", False, True, True),
    Hospital("AH-YJS", "皖南医学院弋矶山医院", "province", "340202", False, True, True),
)
# Out of province: not on Anhui's designated list in 2018 (no cross-province one-stop settlement).
OUT_OF_PROVINCE = (
    Hospital("JS-SRMYY", "江苏省人民医院", "out_of_province", "320106", False, False, False),
    Hospital("ZJ-ZDYY", "浙江大学医学院附属第一医院", "out_of_province", "330102", False, False, False),
    Hospital("SH-RJ", "上海交通大学医学院附属瑞金医院", "out_of_province", "310101", False, False, False),
)

ALL_HOSPITALS: tuple[Hospital, ...] = (
    *TOWNSHIP_CENTRES.values(),
    COUNTY_PEOPLES,
    COUNTY_TCM,
    *CITY,
    *PROVINCE,
    *OUT_OF_PROVINCE,
)

# Relative use within a tier.
WITHIN_TIER: dict[str, tuple[tuple[Hospital, ...], tuple[float, ...]]] = {
    "county": ((COUNTY_PEOPLES, COUNTY_TCM), (0.72, 0.28)),
    "city": (CITY, (0.7, 0.3)),
    "province": (PROVINCE, (0.45, 0.35, 0.2)),
    "out_of_province": (OUT_OF_PROVINCE, (0.45, 0.3, 0.25)),
}
