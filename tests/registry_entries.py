"""The hospital registry entries the test set-ups register (Langxi's county hospital, a provincial hospital)."""

from __future__ import annotations

REGION = "341821"

COUNTY_HOSPITAL = {
    "code": "LX-001",
    "name": "郎溪县人民医院",
    "tier": "county",
    "county_code": REGION,
    "in_county": True,
    "in_province": True,
    "designated": True,
}
PROVINCE_HOSPITAL = {
    "code": "AH-001",
    "name": "安徽省立医院",
    "tier": "province",
    "county_code": "340100",
    "in_county": False,
    "in_province": True,
    "designated": True,
}
