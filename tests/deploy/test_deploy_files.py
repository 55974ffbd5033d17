"""Static checks of deploy/: the files a Docker engine or a Kubernetes cluster would run, checked here without one.

Every file parses; every container command is a real entry point whose options exist; probes,
ports and Prometheus paths point at what the app serves and mounts; every variable and secret
key used is documented; the alerts use metrics the API really exports; and a wheel built by the
Dockerfile would carry every data file of the packages.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from api.access import AccessPolicy, Principal, Role
from api.main import create_app
from service.ledger import BenefitLedger
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
LEDGER_IMAGE = "benefit-ledger"
TEST_ONLY_VARIABLES = re.compile(r"LEDGER_PROJECTION_TEST_")  # knobs that slow a run down for kill tests
OUR_SCRIPT = "ledger"


def _yaml(path: Path) -> list[Any]:
    documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    assert documents, f"{path} is empty"
    return documents


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = _yaml(DEPLOY / "docker-compose.yml")[0]
    return compose


def _kustomization() -> dict[str, Any]:
    kustomization: dict[str, Any] = _yaml(DEPLOY / "kustomization.yaml")[0]
    return kustomization


def _k8s_objects() -> list[dict[str, Any]]:
    return [doc for resource in _kustomization()["resources"] for doc in _yaml(DEPLOY / resource)]


def _pod_specs() -> Iterator[tuple[str, dict[str, Any]]]:
    for obj in _k8s_objects():
        if obj["kind"] in ("Deployment", "StatefulSet"):
            yield obj["metadata"]["name"], obj["spec"]["template"]


def _ledger_containers() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, template in _pod_specs():
        for container in template["spec"]["containers"]:
            if container["image"].split(":")[0] == LEDGER_IMAGE:
                yield name, container


def _env_example_names() -> set[str]:
    text = (DEPLOY / "ledger.env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def _help_of(argv: list[str]) -> str:
    """`argv --help` of one of our entry points; fails unless it is one and the subcommand exists."""
    if argv[0] == OUR_SCRIPT:
        scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
        module, function = scripts[OUR_SCRIPT].split(":")
        command = [sys.executable, "-c", f"import sys; from {module} import {function}; sys.exit({function}())"]
        subcommands = [a for a in argv[1:] if not a.startswith("-")][:1]
    elif argv[:2] == ["python", "-m"]:
        command = [sys.executable, "-m", argv[2]]
        assert (ROOT / "src" / argv[2] / "__main__.py").exists(), argv
        subcommands = [a for a in argv[3:] if not a.startswith("-")][:1]
    else:
        raise AssertionError(f"not one of the ledger's entry points: {argv}")
    done = subprocess.run(
        [*command, *subcommands, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        check=False,
    )
    assert done.returncode == 0, f"{argv}: {done.stderr}"
    return done.stdout


def _assert_real_entry_point(argv: list[str]) -> None:
    help_text = _help_of(argv)
    for option in (a.split("=")[0] for a in argv if a.startswith("--")):
        assert option in help_text, f"{' '.join(argv)}: {option} is not an option of this command"


def _port_of(argv: list[str]) -> int:
    return int(argv[argv.index("--port") + 1])


# ---- every file -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(p.relative_to(DEPLOY).as_posix() for p in DEPLOY.rglob("*.y*ml")))
def test_every_yaml_file_parses(path: str) -> None:
    assert all(isinstance(doc, dict) for doc in _yaml(DEPLOY / path))


@pytest.mark.parametrize("script", sorted(p.name for p in (DEPLOY / "postgres").glob("*.sh")))
def test_the_shell_scripts_parse(script: str) -> None:
    done = subprocess.run(
        ["bash", "-n", str(DEPLOY / "postgres" / script)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_kustomization_lists_every_manifest_and_generated_file() -> None:
    kustomization = _kustomization()
    manifests = {p.relative_to(DEPLOY).as_posix() for p in (DEPLOY / "k8s").glob("*.yaml")}
    assert set(kustomization["resources"]) == manifests - {"k8s/secrets.example.yaml"}
    for generator in kustomization["configMapGenerator"]:
        for entry in generator["files"]:
            assert (DEPLOY / entry.split("=")[-1]).is_file(), entry


# ---- the image ---------------------------------------------------------------------------------------------------
def test_the_dockerfile_copies_what_exists_and_runs_the_api() -> None:
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if line.startswith("COPY ") and "--from=" not in line:
            for source in shlex.split(line)[1:-1]:
                assert (ROOT / source).exists(), line
    cmd = next(line for line in lines if line.startswith("CMD "))
    argv = yaml.safe_load(cmd.removeprefix("CMD "))
    _assert_real_entry_point(argv)
    assert f"EXPOSE {_port_of(argv)}" in lines
    env_names = set(re.findall(r"\b(LEDGER_[A-Z_]+)=", "\n".join(lines)))
    assert env_names <= _env_example_names()


def test_a_wheel_of_the_project_would_carry_every_data_file_the_packages_need() -> None:
    """The image installs a wheel (`pip wheel .`), not the source tree: non-Python files need package-data."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"].get(
        "package-data", {}
    )
    missing = []
    for path in (ROOT / "src").rglob("*"):
        relative = path.relative_to(ROOT / "src")
        if (
            not path.is_file()
            or path.suffix in (".py", ".pyc")
            or "__pycache__" in relative.parts
            or relative.parts[0].endswith(".egg-info")
        ):
            continue
        covered = False
        for package, globs in patterns.items():
            package_dir = Path(*package.split("."))
            if package_dir in relative.parents:
                inside = relative.relative_to(package_dir).as_posix()
                covered = covered or any(fnmatch(inside, g) for g in globs)
        if not covered:
            missing.append(relative.as_posix())
    assert missing == [], f"not in [tool.setuptools.package-data]: {missing}"


# ---- docker compose ----------------------------------------------------------------------------------------------
def test_the_compose_services_run_real_entry_points_with_documented_variables() -> None:
    compose = _compose()
    services = compose["services"]
    assert {"postgres", "postgres-standby", "api", "projector", "prometheus"} <= set(services)
    ours = {name: s for name, s in services.items() if s.get("image", "").split(":")[0] == LEDGER_IMAGE}
    assert set(ours) == {"api", "projector"}
    commands = {name: s["command"] for name, s in ours.items()}
    assert commands["api"][:2] == ["ledger", "serve"] and commands["projector"] == [
        "python",
        "-m",
        "projections",
        "run",
    ]
    documented = _env_example_names()
    for name, service in ours.items():
        build = service["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()
        _assert_real_entry_point(service["command"])
        assert "LEDGER_DATABASE_URL" in service["environment"]
        assert set(service["environment"]) <= documented, name
        for secret in service.get("secrets", []):
            assert secret in compose["secrets"], (name, secret)
    api_env = ours["api"]["environment"]
    assert api_env["LEDGER_API_KEYS_FILE"].removeprefix("/run/secrets/") in ours["api"]["secrets"]
    assert api_env["LEDGER_PII_KEY_FILE"].removeprefix("/run/secrets/") in ours["api"]["secrets"]
    assert "/ready" in " ".join(ours["api"]["healthcheck"]["test"])
    assert f"{_port_of(commands['api'])}:" in ours["api"]["ports"][0].split(":", 1)[1] + ":"
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{([A-Z_]+)", text)) <= documented  # every ${VAR} compose asks for


def test_the_compose_file_mounts_files_that_exist() -> None:
    for name, service in _compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).is_file(), (name, volume)
    standby = _compose()["services"]["postgres-standby"]
    assert standby["entrypoint"][-1].endswith("standby-entrypoint.sh")


# ---- Kubernetes --------------------------------------------------------------------------------------------------
def test_the_k8s_containers_run_real_entry_points_and_the_api_has_its_probes() -> None:
    containers = dict(_ledger_containers())
    assert set(containers) == {"ledger-api", "ledger-projector"}
    for container in containers.values():
        _assert_real_entry_point(container["command"])
    api = containers["ledger-api"]
    port = {p["name"]: p["containerPort"] for p in api["ports"]}["http"]
    assert port == _port_of(api["command"])
    assert api["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert api["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert containers["ledger-projector"]["command"] == ["python", "-m", "projections", "run"]


def test_the_k8s_variables_secret_keys_config_maps_and_selectors_all_resolve() -> None:
    documented = _env_example_names()
    secret = _yaml(DEPLOY / "k8s" / "secrets.example.yaml")[0]
    secret_keys = set(secret["stringData"])
    generated = {g["name"] for g in _kustomization()["configMapGenerator"]}
    for name, container in _ledger_containers():
        names = {e["name"] for e in container["env"]}
        assert "LEDGER_DATABASE_URL" in names and names <= documented, name
    for name, template in _pod_specs():
        for container in template["spec"]["containers"]:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == secret["metadata"]["name"] and ref["key"] in secret_keys, (name, env)
        for volume in template["spec"].get("volumes", []):
            if "secret" in volume:
                assert {i["key"] for i in volume["secret"]["items"]} <= secret_keys, (name, volume)
            if "configMap" in volume:
                assert volume["configMap"]["name"] in generated, (name, volume)
    pods = {name: template for name, template in _pod_specs()}
    for service in (o for o in _k8s_objects() if o["kind"] == "Service"):
        matched = [t for t in pods.values() if service["spec"]["selector"].items() <= t["metadata"]["labels"].items()]
        assert len(matched) == 1, service["metadata"]["name"]
        port_names = {p.get("name") for c in matched[0]["spec"]["containers"] for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names, service["metadata"]["name"]


def test_the_api_reads_its_keys_from_the_mounted_secret() -> None:
    api = dict(_ledger_containers())["ledger-api"]
    env = {e["name"]: e.get("value") for e in api["env"]}
    mount = next(m["mountPath"] for m in api["volumeMounts"] if m["name"] == "secrets")
    items = next(v for v in _pod_specs_of("ledger-api")["spec"]["volumes"] if v["name"] == "secrets")
    paths = {f"{mount}/{i['path']}" for i in items["secret"]["items"]}
    assert {env["LEDGER_API_KEYS_FILE"], env["LEDGER_PII_KEY_FILE"]} <= paths


def _pod_specs_of(name: str) -> dict[str, Any]:
    return dict(_pod_specs())[name]


# ---- Prometheus --------------------------------------------------------------------------------------------------
def test_prometheus_scrapes_metrics_with_a_token_where_it_is_mounted() -> None:
    compose = _compose()["services"]["prometheus"]
    config = _yaml(DEPLOY / "prometheus.yml")[0]
    job = config["scrape_configs"][0]
    assert job["metrics_path"] == "/metrics" and job["static_configs"][0]["targets"] == ["api:8000"]
    assert job["authorization"]["credentials_file"] == f"/run/secrets/{compose['secrets'][0]}"
    mounted = {v.split(":")[1] for v in compose["volumes"]}
    assert set(config["rule_files"]) <= mounted
    k8s_config = _yaml(DEPLOY / "k8s" / "prometheus.yml")[0]
    k8s_job = k8s_config["scrape_configs"][0]
    prometheus = _pod_specs_of("prometheus")["spec"]
    mounts = {m["name"]: m["mountPath"] for m in prometheus["containers"][0]["volumeMounts"]}
    token = next(v for v in prometheus["volumes"] if v["name"] == "token")["secret"]["items"][0]["path"]
    assert k8s_job["authorization"]["credentials_file"] == f"{mounts['token']}/{token}"
    assert k8s_job["metrics_path"] == "/metrics"
    assert all(rule.startswith(mounts["config"] + "/") for rule in k8s_config["rule_files"])


def test_the_alerts_use_metrics_the_api_exports(tmp_path: Path) -> None:
    ledger = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{tmp_path}/ledger.db"))
    access = AccessPolicy.from_tokens({"tok": Principal(name="prometheus", role=Role.DASHBOARD)})
    with TestClient(create_app(ledger=ledger, access=access)) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 200
        scraped = client.get("/metrics", headers={"Authorization": "Bearer tok"})
    ledger.close()
    assert scraped.status_code == 200
    exported = set(re.findall(r"^(ledger_[a-z_]+)", scraped.text, flags=re.MULTILINE))
    alerts = _yaml(DEPLOY / "prometheus-alerts.yml")[0]
    used = {
        m
        for group in alerts["groups"]
        for rule in group["rules"]
        for m in re.findall(r"\b(ledger_[a-z_]+)", rule["expr"])
    }
    assert used and used <= exported, used - exported


# ---- variables ---------------------------------------------------------------------------------------------------
def test_the_env_example_lists_every_ledger_variable_the_code_reads() -> None:
    read = {f"LEDGER_{name.upper()}" for name in Settings.model_fields}  # every setting, by its variable
    for path in (ROOT / "src").rglob("*.py"):
        read |= set(re.findall(r"[\"'](LEDGER_[A-Z0-9_]+)[\"']", path.read_text(encoding="utf-8")))
    read = {name for name in read if not TEST_ONLY_VARIABLES.match(name)}
    assert {"LEDGER_DATABASE_URL", "LEDGER_API_KEYS_FILE", "LEDGER_BODY_LIMIT_BYTES"} <= read
    assert read - _env_example_names() == set()
