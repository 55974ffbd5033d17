"""One valid example of every request body the API takes (OpenAPI `example`s; Swagger UI fills them in).

`COMMAND_ARGS`: a command's arguments as a batch entry takes them (path fields included); a route's body
example is them less its path fields, plus a `command_id`. `OTHER_BODIES`: the bodies of the routes that are
not commands. tests/api/test_api_docs.py checks each example against its route.
"""

from __future__ import annotations

from typing import Any

from domain.policy.loader import load_default_policy
from service.commands.policies import annotated


def _policy() -> dict[str, Any]:
    document = load_default_policy()
    return {
        "meta": {
            "region": "341821",
            "version": "langxi-2018.9",
            "effective_from": "2018-01-01",
            "published_at": "2018-07-01T00:00:00+08:00",
            "title": "test",
        },
        "parameters": annotated(document.parameters, document.confidence),
    }


COMMAND_ARGS: dict[str, dict[str, Any]] = {
    "register_patient": {"patient_ref": "P-1", "county_code": "341821", "township": "毕桥镇"},
    "enrol_patient": {"patient_ref": "P-1", "year": 2018},
    "record_poverty_status": {"patient_ref": "P-1", "status": "dibao", "effective_from": "2016-01-01", "reason": "x"},
    "certify_chronic_disease": {"patient_ref": "P-1", "disease": "diabetes", "valid_from": "2018-01-01"},
    "revoke_chronic_disease": {"patient_ref": "P-1", "disease": "diabetes", "revoked_on": "2018-06-01"},
    "confirm_major_disease": {"patient_ref": "P-1", "disease": "esrd", "confirmed_on": "2018-01-09"},
    "sign_family_doctor_contract": {"patient_ref": "P-1", "doctor": "Dr Wang", "signed_on": "2018-01-05"},
    "record_follow_up": {
        "patient_ref": "P-1",
        "followed_up_on": "2018-02-01",
        "heart_rate": 70,
        "blood_glucose": "6.1",
    },
    "record_treatment_plan": {
        "patient_ref": "P-1",
        "disease": "esophageal_cancer",
        "treatment": "surgery",
        "decided_on": "2018-04-20",
        "expert_group": "琼中县大病专家组",
    },
    "record_charity_grant": {
        "patient_ref": "P-1",
        "grant_ref": "G-1",
        "year": 2018,
        "amount": "500.00",
        "granted_on": "2018-05-02",
        "donor": "海南省慈善总会",
    },
    "issue_health_card": {"patient_ref": "P-1", "card_no": "HC-469030-0001", "issued_on": "2018-01-10"},
    "record_health_check_up": {"patient_ref": "P-1", "checked_on": "2018-03-15"},
    "classify_chronic_risk": {"patient_ref": "P-1", "risk": "high_risk", "classified_on": "2018-01-06"},
    "register_admission": {
        "admission_ref": "A-1",
        "patient_ref": "P-1",
        "hospital_code": "LX-001",
        "admitted_on": "2018-03-01",
        "diagnosis": "肺炎",
    },
    "post_charge_line": {
        "admission_ref": "A-1",
        "line_no": "1",
        "item_code": "XJ01DD04",
        "quantity": "2",
        "unit_price": "30.00",
        "category": "drug",
    },
    "post_legacy_charge_line": {
        "admission_ref": "A-1",
        "line_no": "L-1",
        "category": "drug",
        "amount": "12.50",
        "compliant": True,
    },
    "register_hospital": {
        "hospital_code": "LX-001",
        "name": "郎溪县人民医院",
        "tier": "county",
        "county_code": "341821",
        "township": "建平镇",
        "in_province": True,
        "ncms_designated": True,
        "designated_centre_for": ["esrd"],
        "effective_from": "2016-01-01",
    },
    "change_hospital": {"hospital_code": "LX-001", "effective_from": "2019-01-01", "name": "郎溪县人民医院（新院区）"},
    "reverse_charge_line": {"admission_ref": "A-1", "line_no": "1", "reason": "entered twice"},
    "discharge": {"admission_ref": "A-1", "discharged_on": "2018-03-05"},
    "settle_admission": {"admission_ref": "A-1", "settled_at": "2018-03-05T10:00:00+08:00"},
    "publish_policy_version": _policy(),
    "publish_catalogue_version": {
        "region": "341821",
        "version": "langxi-catalogue-2018.1",
        "effective_from": "2018-01-01",
        "confidence": "ILLUSTRATIVE",
        "title": "郎溪县 三目录 2018",
        "items": [
            {"code": "G-DRUGS", "name": "药品费（目录内，汇总）", "list": "drug", "class": "a"},
            {
                "code": "D-100",
                "name": "阿莫西林胶囊",
                "list": "drug",
                "class": "b",
                "unit_price_limit": "12.50",
                "self_pay_share": "0.10",
            },
        ],
    },
    "record_audit_finding": {
        "finding_ref": "F-1",
        "admission_ref": "A-1",
        "line_nos": ["1"],
        "reason": "unreasonable_drug",
        "found_on": "2018-07-01",
    },
    "pay_patient_refund": {"finding_ref": "F-1", "amount": "10.00", "paid_on": "2018-07-09", "reference": "R-1"},
    "withdraw_audit_finding": {"finding_ref": "F-1", "reason": "appeal upheld", "withdrawn_on": "2018-08-01"},
    "record_fund_reimbursement": {
        "hospital_code": "LX-001",
        "fund": "ncms",
        "amount": 100,
        "received_on": "2018-08-01",
    },
    "recalculate_benefit_year": {"patient_ref": "P-1", "year": 2018, "known_at": "2018-09-01T00:00:00+08:00"},
    "add_api_client": {"name": "ncms-pay", "role": "payment_service", "fund": "ncms", "token_sha256": "ab" * 32},
    "revoke_api_client": {"name": "ncms-pay", "reason": "leaked in a log"},
    "rotate_api_client": {"name": "ncms-pay", "token_sha256": "cd" * 32},
    "recalculate_for_policy": {"region": "341821", "version": "langxi-2018.9"},
    "record_fund_budget": {
        "fund": "reassist",
        "county_code": "341821",
        "year": 2018,
        "amount": "2700000",
        "recorded_on": "2018-01-01",
    },
    "create_payment_run": {
        "run_id": "RUN-1",
        "fund": "reassist",
        "county_code": "341821",
        "year": 2018,
        "run_on": "2018-08-01",
        "through": "2018-07-31",
    },
    "record_payment_result": {
        "run_id": "RUN-1",
        "fund": "reassist",
        "paid_on": "2018-08-10",
        "outcomes": [{"line_id": "RUN-1:00001", "status": "paid", "amount": "10.00", "bank_reference": "B-1"}],
    },
    "import_roster": {
        "county_code": "341821",
        "roster_ref": "FPB-2018-07",
        "as_of": "2018-07-01",
        "entries": [
            {
                "id_card_no": "341821196001010019",
                "name": "村民",
                "household": "HH-01",
                "status": "jiandanglika",
                "effective_from": "2018-01-01",
            }
        ],
    },
    "apply_roster_differences": {"county_code": "341821", "roster_ref": "FPB-2018-07", "missing_status": "lifted"},
    "record_drug_delivery": {
        "delivery_ref": "SY-1",
        "patient_ref": "P-1",
        "disease": "diabetes",
        "drugs": ["二甲双胍片 0.5g x 60"],
        "cost": "35.50",
        "delivered_on": "2018-08-01",
    },
    "reverse_settlement": {"admission_ref": "A-1", "reason": "重复收费", "reversed_at": "2018-03-06T10:00:00+08:00"},
    "reverse_settlement_by_audit": {"admission_ref": "A-1", "reason": "审核"},
    "reverse_benefit_for_fraud": {
        "finding_ref": "F-9",
        "patient_ref": "P-1",
        "year": 2018,
        "settlement_ids": ["A-1#1"],
        "reason": "冒名住院",
        "found_on": "2018-08-01",
    },
    "record_benefit_recovery": {
        "patient_ref": "P-1",
        "year": 2018,
        "settlement_id": "A-1#1",
        "amount": "10.00",
        "recovered_on": "2018-09-01",
    },
    "pay_retroactive_compensation": {
        "patient_ref": "P-1",
        "year": 2018,
        "settlement_id": "A-1#1",
        "amount": "1.00",
        "paid_on": "2018-09-02",
    },
    "issue_bulletin": {"county_code": "341821", "year": 2018, "month": 7},
    "close_hospital": {"hospital_code": "LX-001", "last_day": "2019-06-30", "reason": "merged into LX-002"},
    "close_county_year": {"county_code": "341821", "year": 2018, "reason": "2018年度结算"},
    "settle_late_claim": {"admission_ref": "A-1", "reason": "零星报销: 外地住院, 2019-03 提交"},
}


OTHER_BODIES: dict[str, dict[str, Any]] = {
    "quote_settlement": {"settled_at": "2018-03-05T10:00:00+08:00"},
    "append_batch": {
        "commands": [
            {"command": "register_patient", "command_id": "P-1:register", "args": COMMAND_ARGS["register_patient"]},
            {"command": "enrol_patient", "command_id": "P-1:enrol:2018", "args": COMMAND_ARGS["enrol_patient"]},
        ]
    },
}
