"""The shipped Hainan policy (琼中, 469030), the loader's one default per region, and the validation of
the Hainan sections (健康扶贫补充保险, charity, 大病集中救治)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from domain.policy import loader
from domain.policy.loader import (
    DEFAULT_POLICY_FILE,
    DEFAULT_POLICY_FILES,
    DEFAULT_REGION,
    load_default_policies,
    load_default_policy,
    load_policy_file,
    parse_document,
    shipped_regions,
)
from domain.policy.major_disease import ExcessAllocation, NonDesignatedHandling
from domain.policy.parameters import PolicyParameters
from domain.policy.parsing import CONFIDENCE_LABELS, LEAF_KEYS, PolicyError
from domain.vocabulary import Payer, PovertyStatus, Tier, Treatment, VisitKind

from .builders import DELETE, HAINAN_REGION, HAINAN_VERSION, hainan_policy, hainan_tree, policy_tree

EXEMPT_TABLES = ("diseases.names_zh", "major_disease.centre_names")  # names, not parameters
LANGXI_ONLY = ("b351", "s180", "s5090", "reassist")
NINE_DISEASES = (
    "esophageal_cancer",
    "gastric_cancer",
    "colon_cancer",
    "rectal_cancer",
    "esrd",
    "child_leukemia",
    "child_chd",
    "thalassemia_major",
    "cataract",
)


def raw_hainan_toml() -> dict[str, Any]:
    with resources.files("domain.policy").joinpath(DEFAULT_POLICY_FILES[HAINAN_REGION]).open("rb") as f:
        return tomllib.load(f)


def is_annotated_leaf(node: Any) -> bool:
    return isinstance(node, Mapping) and "value" in node and set(node) <= LEAF_KEYS


def walk_raw(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping) and not is_annotated_leaf(node):
        for key, sub in node.items():
            yield from walk_raw(sub, f"{path}.{key}" if path else key)
    else:
        yield path, node


def exempt(path: str) -> bool:
    return path.startswith("meta.") or any(path.startswith(f"{table}.") for table in EXEMPT_TABLES)


# --- the loader: one default per region -------------------------------------------------------------


def test_the_loader_ships_langxi_and_hainan_with_langxi_the_default_region():
    assert DEFAULT_REGION == "341821"
    assert DEFAULT_POLICY_FILE == "langxi_default.toml"
    assert shipped_regions() == ("341821", "469030")
    assert load_default_policy().region == "341821"
    assert load_default_policy(None).version == "langxi-2018.1"
    documents = load_default_policies()
    assert [(d.region, d.version) for d in documents] == [("341821", "langxi-2018.1"), ("469030", HAINAN_VERSION)]
    assert load_default_policy("341821") == load_default_policy()


def test_every_shipped_default_validates_and_names_its_own_region():
    for document in load_default_policies():
        PolicyParameters.from_mapping(document.parameters)
        assert DEFAULT_POLICY_FILES[document.region].endswith("_default.toml")


def test_an_unknown_region_has_no_shipped_default():
    with pytest.raises(PolicyError, match="no default policy is shipped for region '460000'"):
        load_default_policy("460000")


def test_a_shipped_file_must_carry_the_region_it_is_shipped_for(monkeypatch):
    monkeypatch.setitem(loader.DEFAULT_POLICY_FILES, "469025", "hainan_default.toml")
    with pytest.raises(PolicyError, match="meta.region is '469030'"):
        load_default_policy("469025")


def test_the_hainan_file_loads_from_its_path_too():
    path = resources.files("domain.policy").joinpath("hainan_default.toml")
    assert load_policy_file(str(path)) == load_default_policy(HAINAN_REGION)


# --- the Hainan default ---------------------------------------------------------------------------


def test_hainan_default_metadata():
    doc = load_default_policy(HAINAN_REGION)

    assert doc.region == "469030"  # 琼中黎族苗族自治县
    assert doc.version == HAINAN_VERSION
    assert doc.effective_from == date(2017, 8, 11)  # 印发 date of 琼卫财务〔2017〕11号
    assert doc.published_at.utcoffset() is not None
    assert "琼中" in doc.title
    assert "meta" not in doc.parameters


def test_hainan_cascade_is_the_plans_four_payers_then_charity_without_langxi_layers():
    p = hainan_policy()

    assert p.cascade[VisitKind.INPATIENT] == (Payer.NCMS, Payer.CII, Payer.HPSI, Payer.MA, Payer.CHARITY)
    assert p.cascade[VisitKind.OUTPATIENT_CHRONIC] == (Payer.NCMS, Payer.HPSI)
    assert (p.b351, p.s180, p.s5090, p.reassist) == (None, None, None, None)
    tree = hainan_tree()
    assert not set(LANGXI_ONLY) & set(tree)
    langxi_payers = {Payer.B351, Payer.S180, Payer.S5090, Payer.REASSIST}
    assert not langxi_payers & {payer for payers in p.cascade.values() for payer in payers}


def test_hainan_parameters_are_the_documented_values():
    p = hainan_policy()

    assert p.poor_statuses == (
        PovertyStatus.JIANDANGLIKA,
        PovertyStatus.DIBAO,
        PovertyStatus.TEKUN,
        PovertyStatus.DISABLED_POOR,
    )
    assert p.ncms.tiers[Tier.PROVINCE].deductible == Decimal("1000")
    assert p.ncms.poor_deductible_factor == Decimal("0.5")
    assert p.ncms.poor_ratio_uplift == Decimal("0.05")
    assert p.hpsi is not None
    assert p.hpsi.statuses == (PovertyStatus.JIANDANGLIKA,)
    assert [(b.lower, b.upper, b.ratio) for b in p.hpsi.bands] == [
        (Decimal("0"), Decimal("10000"), Decimal("0.70")),
        (Decimal("10000"), None, Decimal("0.90")),
    ]
    assert p.hpsi.annual_cap == Decimal("100000")
    assert p.charity is not None and p.charity.ratio == Decimal("1.00") and p.charity.annual_cap is None
    rule = p.major_disease
    assert rule is not None
    assert rule.diseases == NINE_DISEASES
    assert rule.non_designated is NonDesignatedHandling.PAY_WITHOUT_STANDARD
    assert rule.excess_allocation is ExcessAllocation.NONCOMPLIANT_FIRST
    assert rule.referral_excluded_payers == (Payer.HPSI, Payer.MA)


def test_designated_centres_are_the_provincial_ones_the_plan_names():
    rule = hainan_policy().major_disease
    assert rule is not None
    name = {disease: rule.centre_names[codes[0]] for disease, codes in rule.centres.items()}

    assert name == {
        "esophageal_cancer": "海南省肿瘤医院",
        "gastric_cancer": "海南省肿瘤医院",
        "colon_cancer": "海南省肿瘤医院",
        "rectal_cancer": "海南省肿瘤医院",
        "child_leukemia": "海南省人民医院",
        "thalassemia_major": "海南省人民医院",
        "esrd": "海南医学院第一附属医院",
        "child_chd": "海南医学院第一附属医院",
        "cataract": "海南省眼科医院",
    }
    assert rule.is_designated_centre("cataract", "HN-EYE")
    assert not rule.is_designated_centre("cataract", "HN-TUMOUR")
    assert not rule.is_designated_centre("hypertension", "HN-EYE")


def test_every_disease_has_a_single_disease_standard_for_its_usual_treatment():
    rule = hainan_policy().major_disease
    assert rule is not None
    usual = {
        "esophageal_cancer": Treatment.SURGERY,
        "gastric_cancer": Treatment.SURGERY,
        "colon_cancer": Treatment.SURGERY,
        "rectal_cancer": Treatment.SURGERY,
        "esrd": Treatment.DIALYSIS,
        "child_leukemia": Treatment.CHEMOTHERAPY,
        "child_chd": Treatment.SURGERY,
        "thalassemia_major": Treatment.TRANSFUSION_CHELATION,
        "cataract": Treatment.SURGERY,
    }
    day = date(2018, 6, 1)
    for disease, treatment in usual.items():
        row = rule.standard_on(disease, treatment, Tier.PROVINCE, day)
        assert row is not None and row.amount is not None and row.amount > 0, disease
    assert rule.standard_on("cataract", Treatment.SURGERY, Tier.COUNTY, day).amount == Decimal("3000")
    assert rule.standard_on("cataract", Treatment.SURGERY, Tier.COUNTY, date(2017, 8, 10)) is None


def test_every_leaf_of_the_hainan_toml_is_annotated_with_a_known_confidence_label():
    leaves = [(path, node) for path, node in walk_raw(raw_hainan_toml()) if not exempt(path)]

    assert len(leaves) > 80
    assert [path for path, node in leaves if not is_annotated_leaf(node)] == []
    assert [path for path, node in leaves if node.get("confidence") not in CONFIDENCE_LABELS] == []
    doc = load_default_policy(HAINAN_REGION)
    assert {path for path, _ in leaves} == set(doc.confidence)


def test_what_the_seed_says_is_confirmed_and_every_amount_or_ratio_is_illustrative():
    confidence = load_default_policy(HAINAN_REGION).confidence

    for path in ("poor.statuses", "major_disease.diseases", "major_disease.statuses"):
        assert confidence[path] == "CONFIRMED-SEED", path
    for disease in NINE_DISEASES:
        assert confidence[f"major_disease.centres.{disease}"] == "CONFIRMED-SEED", disease
    amounts = [
        path
        for path in confidence
        if path.startswith(("ncms.", "cii.", "ma.", "major_disease.standards."))
        or path.endswith((".ratio", ".bands", ".threshold", "annual_cap", "share_limit"))
    ]
    assert len(amounts) > 40
    assert {confidence[path] for path in amounts} <= {"ILLUSTRATIVE", "ASSUMPTION"}
    assert confidence["charity.annual_cap"] == "ASSUMPTION"
    for path in ("major_disease.non_designated", "major_disease.excess_allocation"):
        assert confidence[path] == "ASSUMPTION"


def test_the_seeds_disease_names_cover_every_coded_disease():
    doc = load_default_policy(HAINAN_REGION)
    names = doc.parameters["diseases"]["names_zh"]

    assert set(doc.parameters["major_disease"]["diseases"]) <= set(names)
    assert names["thalassemia_major"] == "重型地中海贫血" and names["cataract"] == "白内障"


# --- bad Hainan data --------------------------------------------------------------------------------

STANDARD = "major_disease.standards.esophageal_cancer.surgery.province"

BAD_HAINAN = [
    pytest.param({"hpsi.bands": [["100", "none", "0.7"]]}, "hpsi.bands[0]", id="hpsi-band-not-at-threshold"),
    pytest.param({"hpsi.bands": [["0", "10000", "1.7"]]}, "hpsi.bands[0].ratio", id="hpsi-ratio-above-1"),
    pytest.param({"hpsi.statuses": ["poor"]}, "hpsi.statuses[0]", id="hpsi-unknown-status"),
    pytest.param({"hpsi.requires_designated": "yes"}, "hpsi.requires_designated", id="hpsi-not-boolean"),
    pytest.param({"charity.ratio": "1.5"}, "charity.ratio", id="charity-ratio-above-1"),
    pytest.param({"charity.annual_cap": "-5"}, "charity.annual_cap", id="charity-negative-cap"),
    pytest.param({"hpsi": DELETE}, "cascade.inpatient[2]", id="cascade-payer-without-section"),
    pytest.param({"charity": DELETE}, "cascade.inpatient[4]", id="cascade-charity-without-section"),
    pytest.param({"cascade.inpatient": ["ncms", "cii", "b351"]}, "cascade.inpatient[2]", id="langxi-layer-in-hainan"),
    pytest.param({"major_disease.non_designated": "ignore"}, "major_disease.non_designated", id="unknown-handling"),
    pytest.param({"major_disease.excess_allocation": "x"}, "major_disease.excess_allocation", id="unknown-allocation"),
    pytest.param(
        {"major_disease.referral_excluded_payers": ["hpsi", "lottery"]},
        "major_disease.referral_excluded_payers[1]",
        id="unknown-excluded-payer",
    ),
    pytest.param({"major_disease.diseases": ["esrd", "flu"]}, "major_disease.diseases", id="unnamed-disease"),
    pytest.param(
        {"major_disease.diseases": ["esrd"]}, "major_disease.centres.esophageal_cancer", id="centre-outside-programme"
    ),
    pytest.param({"major_disease.centres.esrd": "HN-HMU1"}, "major_disease.centres.esrd", id="centre-not-a-list"),
    pytest.param({STANDARD: [["2018-01-01", "0"]]}, f"{STANDARD}[0].amount", id="standard-zero"),
    pytest.param({STANDARD: [["2018-01-01", "-1"]]}, f"{STANDARD}[0].amount", id="standard-negative"),
    pytest.param({STANDARD: [["2018-01-01", "100.005"]]}, f"{STANDARD}[0].amount", id="standard-below-fen"),
    pytest.param({STANDARD: [["2018-01-01", 50000.0]]}, f"{STANDARD}[0].amount", id="standard-float"),
    pytest.param({STANDARD: [["2018-02-30", "1"]]}, f"{STANDARD}[0].effective_from", id="standard-bad-date"),
    pytest.param({STANDARD: [["2018-01-01"]]}, f"{STANDARD}[0]", id="standard-wrong-arity"),
    pytest.param({STANDARD: []}, STANDARD, id="standard-no-rows"),
    pytest.param(
        {STANDARD: [["2018-01-01", "1"], ["2018-01-01", "2"]]}, f"{STANDARD}[1]", id="standard-dates-not-increasing"
    ),
    pytest.param(
        {"major_disease.standards.esophageal_cancer": {"surgery": {"galaxy": [["2018-01-01", "1"]]}}},
        "major_disease.standards.esophageal_cancer.surgery.galaxy",
        id="standard-unknown-level",
    ),
    pytest.param(
        {"major_disease.standards.esophageal_cancer": {"massage": {"county": [["2018-01-01", "1"]]}}},
        "major_disease.standards.esophageal_cancer.massage",
        id="standard-unknown-treatment",
    ),
    pytest.param(
        {"major_disease.standards": {"flu": {"surgery": {"county": [["2018-01-01", "1"]]}}}},
        "major_disease.standards.flu",
        id="standard-outside-programme",
    ),
]


@pytest.mark.parametrize(("overrides", "path"), BAD_HAINAN)
def test_bad_hainan_parameter_is_refused_with_an_error_naming_its_dotted_path(overrides, path):
    with pytest.raises(PolicyError) as excinfo:
        PolicyParameters.from_mapping(hainan_tree(**overrides))
    message = str(excinfo.value)
    assert message.startswith((f"{path}:", f"{path}[")), message


def test_a_withdrawn_standard_leaves_no_standard_in_force():
    rule = hainan_policy(**{STANDARD: [["2017-08-11", "50000"], ["2018-03-01", "none"]]}).major_disease
    assert rule is not None

    assert rule.standard_on("esophageal_cancer", Treatment.SURGERY, Tier.PROVINCE, date(2018, 2, 28)) is not None
    assert rule.standard_on("esophageal_cancer", Treatment.SURGERY, Tier.PROVINCE, date(2018, 3, 1)) is None


def test_langxi_policy_parses_as_before_and_has_no_hainan_sections():
    p = PolicyParameters.from_mapping(policy_tree())

    assert p.hpsi is None and p.charity is None and p.major_disease is None
    assert p.b351 is not None and p.s180 is not None and p.s5090 is not None and p.reassist is not None


def test_langxi_policy_may_not_list_a_hainan_payer_without_its_section():
    with pytest.raises(PolicyError, match=r"^cascade\.inpatient\[2\]: hpsi needs a \[hpsi\] section"):
        PolicyParameters.from_mapping(policy_tree(**{"cascade.inpatient": ["ncms", "cii", "hpsi"]}))


def test_an_unknown_payer_in_a_cascade_is_refused():
    with pytest.raises(PolicyError, match=r"^cascade\.inpatient\[2\]: 'galaxy' is not one of"):
        PolicyParameters.from_mapping(hainan_tree(**{"cascade.inpatient": ["ncms", "cii", "galaxy"]}))


def test_the_annotated_hainan_tree_gives_the_same_parameters_as_the_plain_tree():
    raw = raw_hainan_toml()
    body = {k: v for k, v in raw.items() if k != "meta"}

    assert PolicyParameters.from_mapping(body) == hainan_policy()
    assert parse_document(raw) == load_default_policy(HAINAN_REGION)
