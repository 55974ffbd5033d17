"""The shipped default policy and the validation of policy data.

Every policy number is data with a confidence label; bad data is refused with a PolicyError
that names the dotted path of the offending parameter.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from domain.policy.loader import DEFAULT_POLICY_FILE, load_default_policy, parse_document
from domain.policy.parameters import CapMode, PolicyParameters, SupplementMode, TargetBase, YearAssignment
from domain.policy.parsing import CONFIDENCE_LABELS, LEAF_KEYS, PolicyError
from domain.vocabulary import Payer, PovertyStatus, Tier, VisitKind

from .builders import DELETE, policy_tree

EXEMPT_TABLES = ("diseases.names_zh",)  # names, not parameters


def raw_default_toml() -> dict[str, Any]:
    with resources.files("domain.policy").joinpath(DEFAULT_POLICY_FILE).open("rb") as f:
        return tomllib.load(f)


def is_annotated_leaf(node: Any) -> bool:
    return isinstance(node, Mapping) and "value" in node and set(node) <= LEAF_KEYS


def walk_raw(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, node) for every leaf of the raw TOML: annotated leaves and bare values."""
    if isinstance(node, Mapping) and not is_annotated_leaf(node):
        for key, sub in node.items():
            yield from walk_raw(sub, f"{path}.{key}" if path else key)
    else:
        yield path, node


def walk_plain(node: Any, path: str = "") -> Iterator[str]:
    """Dotted path of every leaf of a plain parameter tree (lists are leaves)."""
    if isinstance(node, Mapping):
        for key, sub in node.items():
            yield from walk_plain(sub, f"{path}.{key}" if path else key)
    else:
        yield path


def exempt(path: str) -> bool:
    return path.startswith("meta.") or any(path.startswith(f"{table}.") for table in EXEMPT_TABLES)


# --- the default policy ------------------------------------------------------------------------


def test_default_policy_loads_with_its_metadata():
    doc = load_default_policy()

    assert doc.region == "341821"
    assert doc.version == "langxi-2018.1"
    assert doc.effective_from == date(2018, 1, 1)
    assert doc.published_at.utcoffset() is not None
    assert "meta" not in doc.parameters


def test_default_policy_parameters_are_the_worked_example_values():
    p = PolicyParameters.from_mapping(load_default_policy().parameters)

    assert p.cascade[VisitKind.INPATIENT] == (Payer.NCMS, Payer.CII, Payer.MA, Payer.B351, Payer.S5090, Payer.REASSIST)
    assert p.cascade[VisitKind.OUTPATIENT_CHRONIC] == (Payer.NCMS, Payer.S180)
    assert p.year_assignment is YearAssignment.DISCHARGE_DATE
    assert p.ncms.tiers[Tier.COUNTY].deductible == Decimal("300")
    assert p.ncms.tiers[Tier.COUNTY].ratio == Decimal("0.90")
    assert p.ncms.tiers[Tier.PROVINCE].deductible == Decimal("1000")
    assert p.ncms.tiers[Tier.PROVINCE].ratio == Decimal("0.70")
    assert p.ncms.annual_cap == Decimal("300000")
    assert p.cii_poor.threshold == Decimal("5000")
    assert [(b.lower, b.upper, b.ratio) for b in p.cii_poor.bands] == [
        (Decimal("5000"), Decimal("50000"), Decimal("0.60")),
        (Decimal("50000"), Decimal("100000"), Decimal("0.70")),
        (Decimal("100000"), None, Decimal("0.80")),
    ]
    assert p.cii_poor.cap is None
    assert p.assistance[PovertyStatus.JIANDANGLIKA].ratio == Decimal("0.50")
    assert p.assistance[PovertyStatus.JIANDANGLIKA].annual_cap == Decimal("10000")
    assert p.b351.cap_mode is CapMode.MAX_TIER
    assert dict(p.b351.caps) == {
        Tier.COUNTY: Decimal("3000"),
        Tier.CITY: Decimal("5000"),
        Tier.PROVINCE: Decimal("10000"),
    }
    assert p.b351.cap_class_of_tier[Tier.TOWNSHIP] is Tier.COUNTY
    assert p.s180.ratio == Decimal("0.80")
    assert p.s5090.mode is SupplementMode.RATIO_ABOVE_THRESHOLD
    assert p.s5090.target_base is TargetBase.TOTAL
    assert p.s5090.effective_from == date(2018, 1, 1)
    assert p.reassist.threshold == Decimal("10000")
    assert p.reassist.ratio == Decimal("0.60")
    assert p.hospital_borne.out_of_catalogue_share_limit == Decimal("0.10")
    assert p.allow_patient_clawback is False


def test_every_leaf_of_the_default_toml_is_annotated_with_a_known_confidence_label():
    leaves = [(path, node) for path, node in walk_raw(raw_default_toml()) if not exempt(path)]

    assert len(leaves) > 60
    bare = [path for path, node in leaves if not is_annotated_leaf(node)]
    assert bare == []
    unlabelled = [path for path, node in leaves if node.get("confidence") not in CONFIDENCE_LABELS]
    assert unlabelled == []


def test_every_parameter_path_has_a_confidence_entry_in_the_loaded_document():
    doc = load_default_policy()

    paths = [path for path in walk_plain(doc.parameters) if not exempt(path)]
    assert "b351.caps.province" in paths and "cii.poor.bands" in paths
    missing = [path for path in paths if path not in doc.confidence]
    assert missing == []
    assert set(doc.confidence) <= set(paths)
    assert set(doc.confidence.values()) <= CONFIDENCE_LABELS


def test_disease_names_are_exempt_names_not_parameters():
    doc = load_default_policy()

    names = doc.parameters["diseases"]["names_zh"]
    assert names["esrd"] == "终末期肾病(尿毒症)"
    assert not any(path.startswith("diseases.names_zh") for path in doc.confidence)
    # every coded disease in the policy has a Chinese name
    coded = (
        set(doc.parameters["s5090"]["diseases"])
        | set(doc.parameters["diseases"]["major_hainan"])
        | set(doc.parameters["diseases"]["chronic_langxi"])
    )
    assert coded <= set(names)


def test_5090_rule_parameters_are_labelled_assumption():
    confidence = load_default_policy().confidence

    for leaf in ("mode", "threshold", "ratio", "target_ratio", "target_base", "annual_cap", "effective_from"):
        assert confidence[f"s5090.{leaf}"] == "ASSUMPTION", leaf
    s5090_labels = {label for path, label in confidence.items() if path.startswith("s5090.")}
    assert not any(label.startswith("CONFIRMED") for label in s5090_labels)


def test_reassistance_core_rule_is_confirmed_by_the_seed():
    confidence = load_default_policy().confidence

    assert confidence["reassist.threshold"] == "CONFIRMED-SEED"
    assert confidence["reassist.ratio"] == "CONFIRMED-SEED"


# --- bad data ------------------------------------------------------------------------------------


BAD_PARAMETERS = [
    pytest.param({"ncms.tiers.county.ratio": "1.5"}, "ncms.tiers.county.ratio", id="ratio-above-1"),
    pytest.param({"ma.by_status.dibao.ratio": "1.01"}, "ma.by_status.dibao.ratio", id="assistance-ratio-above-1"),
    pytest.param({"s180.ratio": "2"}, "s180.ratio", id="s180-ratio-above-1"),
    pytest.param({"ncms.annual_cap": 300000.0}, "ncms.annual_cap", id="float-not-string"),
    pytest.param({"ncms.tiers.county.deductible": 300.5}, "ncms.tiers.county.deductible", id="float-deductible"),
    pytest.param({"ncms.annual_cap": True}, "ncms.annual_cap", id="bool-not-number"),
    pytest.param({"ncms.annual_cap": "-1"}, "ncms.annual_cap", id="negative"),
    pytest.param({"ncms.annual_cap": "lots"}, "ncms.annual_cap", id="not-a-number"),
    pytest.param({"ncms.annual_cap": "NaN"}, "ncms.annual_cap", id="nan"),
    pytest.param({"ncms.annual_cap": DELETE}, "ncms.annual_cap", id="missing-leaf"),
    pytest.param({"ncms.tiers.city": DELETE}, "ncms.tiers", id="missing-tier"),
    pytest.param({"ncms.outpatient_chronic": DELETE}, "ncms.outpatient_chronic", id="missing-section"),
    pytest.param(
        {"cii.poor.bands": [["5000", "50000", "0.60"], ["60000", "100000", "0.70"]]},
        "cii.poor.bands[1]",
        id="non-contiguous-bands",
    ),
    pytest.param({"cii.poor.bands": [["5000", "4000", "0.60"]]}, "cii.poor.bands[0]", id="band-upper-below-lower"),
    pytest.param({"cii.poor.bands": [["6000", "none", "0.60"]]}, "cii.poor.bands[0]", id="first-band-not-at-threshold"),
    pytest.param({"cii.general.bands": [["12000", "50000"]]}, "cii.general.bands[0]", id="band-wrong-arity"),
    pytest.param({"cii.poor.bands": []}, "cii.poor.bands", id="no-bands"),
    pytest.param({"b351.cap_mode": "per_class"}, "b351.cap_mode", id="unknown-cap-mode"),
    pytest.param({"b351.caps.city": DELETE}, "b351.cap_class_of_tier.city", id="cap-class-without-cap"),
    pytest.param({"b351.statuses": ["jiandanglika", "rich"]}, "b351.statuses", id="unknown-status"),
    pytest.param(
        {"ma.by_status": {"rich": {"ratio": "0.5", "annual_cap": "1000"}}}, "ma.by_status.rich", id="unknown-status-key"
    ),
    pytest.param(
        {"b351.caps": {"county": "3000", "city": "5000", "province": "10000", "galaxy": "1"}},
        "b351.caps.galaxy",
        id="unknown-tier-key",
    ),
    pytest.param({"b351.cap_class_of_tier.county": "galaxy"}, "b351.cap_class_of_tier.county", id="unknown-cap-class"),
    pytest.param({"b351.requires_designated": "yes"}, "b351.requires_designated", id="not-a-boolean"),
    pytest.param({"s5090.mode": "h3"}, "s5090.mode", id="unknown-5090-mode"),
    pytest.param({"s5090.effective_from": "2018-13-01"}, "s5090.effective_from", id="bad-date"),
    pytest.param({"s5090.diseases": ["esrd", 7]}, "s5090.diseases", id="non-string-disease"),
    pytest.param({"cascade.inpatient": ["ncms", "cii", "charity"]}, "cascade.inpatient", id="unknown-payer"),
    pytest.param({"year.assignment": "payment_date"}, "year.assignment", id="unknown-year-assignment"),
]


@pytest.mark.parametrize(("overrides", "path"), BAD_PARAMETERS)
def test_bad_parameter_is_refused_with_an_error_naming_its_dotted_path(overrides, path):
    tree = policy_tree(**overrides)

    with pytest.raises(PolicyError) as excinfo:
        PolicyParameters.from_mapping(tree)
    message = str(excinfo.value)
    # the path itself, or an element of it: "cii.poor.bands[1]: ..." / "b351.statuses[1]: ..."
    assert message.startswith((f"{path}:", f"{path}[")), message


@pytest.mark.parametrize("mode", ["half_even", "down", "HALF_UP"])
def test_rounding_mode_other_than_half_up_is_refused(mode):
    with pytest.raises(PolicyError) as excinfo:
        PolicyParameters.from_mapping(policy_tree(**{"rounding.mode": mode}))
    message = str(excinfo.value)
    assert message.startswith("rounding")
    assert "half_up" in message


def test_rounding_unit_other_than_a_fen_is_refused():
    with pytest.raises(PolicyError) as excinfo:
        PolicyParameters.from_mapping(policy_tree(**{"rounding.unit": "0.1"}))
    assert str(excinfo.value).startswith("rounding")


def test_unknown_confidence_label_is_refused_with_the_parameter_path():
    tree = raw_default_toml()
    tree["ncms"]["annual_cap"]["confidence"] = "GUESSED"

    with pytest.raises(PolicyError) as excinfo:
        parse_document(tree)
    assert str(excinfo.value).startswith("ncms.annual_cap:")
    assert "GUESSED" in str(excinfo.value)


def test_unknown_confidence_label_is_refused_by_from_mapping_too():
    body = {k: v for k, v in raw_default_toml().items() if k != "meta"}
    body["b351"]["caps"]["county"] = {"value": "3000", "confidence": "probably"}

    with pytest.raises(PolicyError) as excinfo:
        PolicyParameters.from_mapping(body)
    assert str(excinfo.value).startswith("b351.caps.county:")


def test_annotated_tree_gives_the_same_parameters_as_the_plain_tree():
    raw = raw_default_toml()
    body = {k: v for k, v in raw.items() if k != "meta"}

    assert PolicyParameters.from_mapping(body) == PolicyParameters.from_mapping(load_default_policy().parameters)


def test_published_at_without_utc_offset_is_refused():
    tree = raw_default_toml()
    tree["meta"]["published_at"] = "2017-12-31T00:00:00"

    with pytest.raises(PolicyError) as excinfo:
        parse_document(tree)
    assert str(excinfo.value).startswith("meta.published_at")


def test_document_without_meta_is_refused():
    tree = raw_default_toml()
    del tree["meta"]

    with pytest.raises(PolicyError, match="^meta"):
        parse_document(tree)


def test_validation_does_not_mutate_the_tree_it_is_given():
    tree = policy_tree()
    before = copy.deepcopy(tree)

    PolicyParameters.from_mapping(tree)
    assert tree == before
