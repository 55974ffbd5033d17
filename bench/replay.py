"""Auditor replay of one patient-year with 50 settled admissions: latency p50/p99.

The year is built through the real commands on PostgreSQL. Measured: the auditor's view
(`get_benefit_year`: read and fold every event of the year), the same as recorded at a moment
(`benefit_year_as_of`), `verify_benefit_year` (re-derives every settlement from the patient and
admission at the versions it used), the response body through the `BenefitYearPublic` model (the route's
old work) and written directly (`benefit_year_body`, the route's work now), and
`GET /patients/{ref}/years/{year}` over real HTTP as an auditor client sees it (sequential requests on one
keep-alive connection): once with every read folding the year (`LEDGER_YEAR_BODY_CACHE_MB=0`), once with
the server keeping the body at the stream's version (the default), beside GET /health on the same
connection (what HTTP itself costs).
Baseline: reading the year's rows and decoding them with the mapper, nothing else.
"""

from __future__ import annotations

import http.client
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from api.benefit_year_body import benefit_year_body
from api.responses import OrjsonResponse
from api.schemas.settlements import BenefitYearPublic
from bench import profiling
from bench.pgschema import fresh_schema
from bench.server import api_server
from bench.timing import percentile, samples_seconds
from domain import ids
from domain.policy.loader import load_default_policy
from service.commands import (
    Discharge,
    EnrolPatient,
    PublishPolicyVersion,
    RecordPovertyStatus,
    RegisterAdmission,
    RegisterPatient,
    SettleAdmission,
)
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital
from service.settings import Settings

PATIENT = "AUDIT-1"
YEAR = 2018
HOSPITALS = [
    {
        "code": f"R-{tier}",
        "name": f"replay {tier} hospital",
        "tier": tier,
        "county_code": "341821",
        "in_county": tier == "county",
        "in_province": True,
        "designated": True,
    }
    for tier in ("county", "city", "province")
]


def build_year(ledger: BenefitLedger, admissions: int) -> None:
    """A poor patient with `admissions` inpatient stays across 2018, each settled at discharge."""
    document = load_default_policy()
    ledger.handle(PublishPolicyVersion.of(document, command_id=f"default-policy:{document.region}:{document.version}"))
    ledger.handle(RegisterPatient(command_id="r:p", patient_ref=PATIENT, county_code="341821"))
    ledger.handle(EnrolPatient(command_id="r:e", patient_ref=PATIENT, year=YEAR))
    ledger.handle(
        RecordPovertyStatus(
            command_id="r:s", patient_ref=PATIENT, status="jiandanglika", effective_from=date(2016, 1, 1)
        )
    )
    first = date(YEAR, 1, 2)
    for n in range(admissions):
        ref, day = f"AUDIT-A{n:03d}", first + timedelta(days=n * 7)
        hospital = HOSPITALS[n % len(HOSPITALS)]
        ledger.handle(
            RegisterAdmission(
                command_id=f"{ref}:r",
                admission_ref=ref,
                patient_ref=PATIENT,
                kind="inpatient",
                hospital_code=ensure_hospital(ledger, hospital),
                admitted_on=day,
            )
        )
        for line in range(3):
            ledger.handle(
                charge_line(
                    command_id=f"{ref}:l{line}",
                    admission_ref=ref,
                    line_no=str(line + 1),
                    category=("treatment", "drugs", "tests")[line],
                    amount=Decimal(1500 + 731 * ((n + line) % 7)) + Decimal("0.45"),
                    compliant=line != 2,
                )
            )
        ledger.handle(Discharge(command_id=f"{ref}:d", admission_ref=ref, discharged_on=day + timedelta(days=3)))
        ledger.handle(
            SettleAdmission(
                command_id=f"{ref}:s",
                admission_ref=ref,
                settled_at=datetime.combine(day + timedelta(days=3), datetime.min.time(), UTC),
            )
        )


TARGET = "target p99 < 20 ms"


def _cpu(seconds: float, then: str = "") -> str:
    return f"server CPU {seconds * 1e3:5.2f} ms/GET" + (f"   {then}" if then else "")


def _stats(name: str, samples: list[float], baseline: float | None = None, target: str = "") -> str:
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    line = f"[replay] {name:<52} p50 {p50 * 1e3:7.2f} ms   p99 {p99 * 1e3:7.2f} ms"
    if baseline:
        line += f"   p50 {p50 / baseline:5.1f}x baseline"
    return line + (f"   {target}" if target else "")


@dataclass
class HttpRun:
    samples: list[float]  # wall time of each GET, as the client saw it
    server_cpu: float  # the server's CPU seconds per GET (user + system, all its threads)
    health: list[float]
    health_cpu: float


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (/proc/<pid>/stat), all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed_gets(pid: int, get: Callable[[], object], repeats: int) -> tuple[list[float], float]:
    before = _cpu_seconds(pid)
    samples = samples_seconds(get, repeats=repeats)
    return samples, (_cpu_seconds(pid) - before) / repeats


def _http_samples(url: str, path: str, *, repeats: int, env: dict[str, str], profile: Path | None = None) -> HttpRun:
    """Sequential GETs of `path` as an auditor over one keep-alive connection (after one warm-up read),
    then as many GET /health on the same connection (the HTTP floor: no auth, no store). The client is
    the stdlib's `http.client`, so the client's own work stays small beside the server's."""
    with api_server(url, [], env=env) as server:
        connection = http.client.HTTPConnection(urlsplit(server.base).netloc, timeout=60)
        headers = {"Authorization": f"Bearer {server.tokens.auditor}"}

        def get(target: str = path, auth: dict[str, str] = headers) -> bytes:
            connection.request("GET", target, headers=auth)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, body[:300]
            return body

        get()
        spy = profiling.record(server.pid, 5, profile) if profile else None
        samples, cpu = _timed_gets(server.pid, get, repeats)
        if spy is not None and profile is not None:
            spy.wait()
            profile.with_suffix(".txt").write_text(
                "\n".join(profiling.summary(profile, top=60)) + "\n", encoding="utf-8"
            )
        health, health_cpu = _timed_gets(server.pid, lambda: get("/health", {}), repeats)
        connection.close()
    return HttpRun(samples, cpu, health, health_cpu)


def run(base_url: str, *, admissions: int, repeats: int, profile: Path | None = None) -> list[str]:
    with fresh_schema(base_url, "replay") as url:
        ledger = BenefitLedger.from_settings(Settings(database_url=url))
        build_year(ledger, admissions)
        year_id = ids.benefit_year_id(PATIENT, YEAR)
        history = ledger.get_benefit_year(PATIENT, YEAR)
        assert len(history.settlements) == admissions
        assert benefit_year_body(history) == OrjsonResponse(BenefitYearPublic.of(history).model_dump(mode="json")).body
        to_domain_event = ledger.mapper.to_domain_event
        read_decode = samples_seconds(
            lambda: [to_domain_event(s) for s in ledger.recorder.select_events(year_id)], repeats=repeats
        )
        fold = samples_seconds(lambda: ledger.get_benefit_year(PATIENT, YEAR), repeats=repeats)
        as_of = samples_seconds(lambda: ledger.benefit_year_as_of(PATIENT, YEAR, datetime.now(UTC)), repeats=repeats)
        model = samples_seconds(
            lambda: OrjsonResponse(BenefitYearPublic.of(history).model_dump(mode="json")).body, repeats=repeats
        )
        direct = samples_seconds(lambda: benefit_year_body(history), repeats=repeats)
        verify = samples_seconds(lambda: ledger.verify_benefit_year(PATIENT, YEAR), repeats=max(5, repeats // 5))
        ledger.close()
        path = f"/patients/{PATIENT}/years/{YEAR}"
        folds_profile, kept_profile = (
            (profile.with_stem(f"{profile.stem}-{n}") for n in ("folds", "kept")) if profile else (None, None)
        )
        folded = _http_samples(
            url, path, repeats=repeats, env={"LEDGER_YEAR_BODY_CACHE_MB": "0"}, profile=folds_profile
        )
        kept = _http_samples(url, path, repeats=repeats, env={}, profile=kept_profile)
    floor = percentile(read_decode, 0.5)
    events = admissions + 1
    return [
        _stats(f"baseline: read + decode the year's {events} events", read_decode),
        _stats(f"auditor view: get_benefit_year ({admissions} admissions)", fold, floor, "target p99 < 20 ms"),
        _stats("as recorded at a moment: benefit_year_as_of", as_of, floor, "target p99 < 20 ms"),
        _stats("body via BenefitYearPublic (the old route's work)", model, floor),
        _stats("body written directly (benefit_year_body)", direct, floor),
        _stats("GET /health over HTTP (the HTTP floor)", kept.health, floor, _cpu(kept.health_cpu)),
        _stats(
            "GET /patients/{ref}/years/{year}, each read folds", folded.samples, floor, _cpu(folded.server_cpu, TARGET)
        ),
        _stats("GET /patients/{ref}/years/{year}, body kept", kept.samples, floor, _cpu(kept.server_cpu, TARGET)),
        _stats("verify_benefit_year (re-derive from raw facts)", verify, floor),
    ]
