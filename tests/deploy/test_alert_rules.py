"""deploy/prometheus-alerts.yml: the rules load in Prometheus (promtool) and fire when they should.

`promtool test rules` replays synthetic series (tests/deploy/prometheus-alerts.test.yml) named as
src/api/metrics.py exports them: store 503s, a stalled projection, a failed nightly verify. Without
promtool (it comes with Debian's `prometheus` package; CI installs it) the structural checks still
run, and test_deploy_files.py checks that every ledger_* metric used is in a real /metrics answer.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.deploy.test_deploy_files import DEPLOY, _assert_real_entry_point, _kustomization, _yaml

HERE = Path(__file__).resolve().parent
ALERTS = DEPLOY / "prometheus-alerts.yml"
REQUIRED = {"LedgerStoreUnavailable", "LedgerProjectionLagging", "LedgerProjectionStalled", "LedgerVerifyFailed"}
# series not exported by the ledger: Prometheus' own, and kube-state-metrics' for the verify CronJob
FOREIGN = {"up", "kube_cronjob_status_last_schedule_time", "kube_cronjob_status_last_successful_time"}
PROMQL_WORDS = {"sum", "max", "rate", "delta", "time", "and", "or", "unless"}


def _rules() -> list[dict[str, Any]]:
    document: dict[str, Any] = _yaml(ALERTS)[0]
    return [rule for group in document["groups"] for rule in group["rules"]]


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("LEDGER_REQUIRE_POSTGRES"):  # CI installs it (.ci/run)
            pytest.fail("promtool is missing (apt-get install prometheus)")
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    return found


def test_promtool_loads_the_rules() -> None:
    done = subprocess.run([_promtool(), "check", "rules", str(ALERTS)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in done.stdout


def test_the_alerts_fire_on_the_synthetic_series_and_stay_quiet_otherwise() -> None:
    done = subprocess.run(
        [_promtool(), "test", "rules", "prometheus-alerts.test.yml"],
        capture_output=True,
        text=True,
        cwd=HERE,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tested = {
        t["alertname"]
        for case in yaml.safe_load((HERE / "prometheus-alerts.test.yml").read_text())["tests"]
        for t in case["alert_rule_test"]
    }
    assert tested >= REQUIRED


def test_every_rule_is_complete_and_names_only_known_series() -> None:
    rules = _rules()
    assert {rule["alert"] for rule in rules} >= REQUIRED
    for rule in rules:
        assert rule["labels"]["severity"] in ("page", "ticket"), rule["alert"]
        assert rule["annotations"]["summary"] and re.fullmatch(r"\d+[mh]", rule["for"]), rule["alert"]
        # drop label matchers, ranges and grouping labels: what is left are series and PromQL words
        without_strings = re.sub(r'"[^"]*"|\{[^}]*\}|\[[^\]]*\]|\bby\s*\([^)]*\)', " ", rule["expr"])
        names = set(re.findall(r"\b([a-z_][a-z0-9_]*)\b", without_strings)) - PROMQL_WORDS
        assert {n for n in names if not n.startswith("ledger_")} <= FOREIGN, (rule["alert"], names)


def test_the_verify_alerts_watch_the_cronjob_that_runs_ledger_verify() -> None:
    assert "k8s/verify.yaml" in _kustomization()["resources"]
    cronjob = _yaml(DEPLOY / "k8s" / "verify.yaml")[0]
    container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["ledger", "verify"]
    _assert_real_entry_point(container["command"])
    watched = {m for rule in _rules() for m in re.findall(r'cronjob="([^"]+)"', rule["expr"])}
    assert watched == {cronjob["metadata"]["name"]}
