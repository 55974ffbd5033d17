"""`ledger demo`: the main job on the embedded store, end to end.

1. publish the shipped default policies (Langxi and 琼中, Hainan); 2. settle the research's worked
example (§2.3) and print every layer's arithmetic, and a 琼中 大病集中救治 case (cli.demo_hainan); 3. load a seeded synthetic Langxi county through the real commands;
4. run the projections to the head of the log; 5. print the county dashboard next to the Langxi
report (scaled), and 琼中's; 6. verify both worked examples' patient-years to the fen.
Re-running appends nothing: every command is idempotent by its command id.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import typer

from cli.demo_hainan import HAINAN, HAINAN_EXAMPLE, hainan_table, settle_hainan_example
from cli.output import year_lines
from domain.policy.loader import load_default_policies

if TYPE_CHECKING:
    from domain.registry.catalogue import Catalogue
    from service.ledger import BenefitLedger
    from service.settings import Settings

REGION = "341821"
COUNTY = {
    "code": "LX-001",
    "name": "郎溪县人民医院",
    "tier": "county",
    "county_code": REGION,
    "in_county": True,
    "in_province": True,
    "designated": True,
}
PROVINCE = {
    "code": "AH-001",
    "name": "安徽省立医院",
    "tier": "province",
    "county_code": "340100",
    "in_county": False,
    "in_province": True,
    "designated": True,
}


WORKED_EXAMPLE = "P-2.3"  # the patient the README's command lines name (replay, verify, export-eob P-2.3-B#1)


def settle_worked_example(ledger: Any) -> None:
    """Research §2.3: A at the county hospital (20,000 / 19,000 compliant), B at a province hospital (80,000 / 72,000)."""
    from service import commands as c
    from service.legacy_shapes import charge_line, register_hospital_command

    ref = WORKED_EXAMPLE
    steps: list[Any] = [
        register_hospital_command(COUNTY),  # the hospital registry: admin master data (idempotent command ids)
        register_hospital_command(PROVINCE),
        c.RegisterPatient(command_id=f"demo:{ref}:register", patient_ref=ref, county_code=REGION, township="毕桥镇"),
        c.EnrolPatient(command_id=f"demo:{ref}:enrol:2018", patient_ref=ref, year=2018),
        c.RecordPovertyStatus(
            command_id=f"demo:{ref}:status", patient_ref=ref, status="jiandanglika", effective_from=date(2016, 1, 1)
        ),
    ]
    for adm, hospital, total, compliant, day in (
        ("A", COUNTY, "20000.00", "19000.00", date(2018, 3, 12)),
        ("B", PROVINCE, "80000.00", "72000.00", date(2018, 5, 20)),
    ):
        adm_ref = f"{ref}-{adm}"
        steps += [
            c.RegisterAdmission(
                command_id=f"demo:{adm_ref}:register",
                admission_ref=adm_ref,
                patient_ref=ref,
                kind="inpatient",
                hospital_code=hospital["code"],
                admitted_on=day,
                referred=hospital is PROVINCE,
            ),
            charge_line(  # billed through the catalogue: the treatment total (in catalogue), quantity 1
                command_id=f"demo:{adm_ref}:line:1",
                admission_ref=adm_ref,
                line_no="1",
                category="treatment",
                amount=Decimal(compliant),
                compliant=True,
            ),
            charge_line(  # the out-of-catalogue drugs (self-pay item)
                command_id=f"demo:{adm_ref}:line:2",
                admission_ref=adm_ref,
                line_no="2",
                category="drug",
                amount=Decimal(total) - Decimal(compliant),
                compliant=False,
            ),
            c.Discharge(command_id=f"demo:{adm_ref}:discharge", admission_ref=adm_ref, discharged_on=day),
            c.SettleAdmission(
                command_id=f"demo:{adm_ref}:settle",
                admission_ref=adm_ref,
                settled_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
            ),
        ]
    for step in steps:
        ledger.handle(step)
    typer.echo("\n".join(year_lines(ledger.get_benefit_year(ref, 2018))))


def dashboard_rows(board: dict[str, Any], scale: float) -> list[tuple[str, str, str]]:
    """(figure, ledger projection, Langxi report scaled) for the county dashboard."""
    from generator.summary import LANGXI

    def langxi(key: str, extensive: bool) -> str:
        value = LANGXI.get(key)
        if value is None:
            return "-"
        if key == "person_times":
            return f"{round(Decimal(value) * Decimal(str(scale))):,}"
        return f"{Decimal(value) * Decimal(str(scale)):,.2f}" if extensive else f"{Decimal(value):.4f}"

    rows = [
        ("person-times 人次", f"{board['person_times']:,}", langxi("person_times", True)),
        ("total medical cost 医药总费用", f"{board['total_cost']:,.2f}", langxi("total_cost", True)),
        ("total compensation 共补偿", f"{board['compensation']:,.2f}", langxi("compensation", True)),
    ]
    rows += [
        (f"  {payer}", f"{amount:,.2f}", langxi(payer, True))
        for payer, amount in board["compensation_by_payer"].items()
    ]
    rows += [
        ("actual compensation ratio", str(board["actual_compensation_ratio"]), langxi("actual_ratio", False)),
        ("in-county visit rate", str(board["in_county_visit_rate"]), langxi("in_county_rate", False)),
        (
            "in-province inpatient actual ratio",
            str(board["in_province_inpatient_ratio"]),
            langxi("in_province_inpatient_ratio", False),
        ),
        ("major-disease treatment rate (Hainan)", str(board["major_disease_treatment_rate"]), "target 1.0000"),
        ("chronic-disease contract rate (Hainan)", str(board["chronic_contract_rate"]), "-"),
        ("follow-ups done", str(board["follow_ups"]), "-"),
    ]
    return rows


def dashboard_table(rows: list[tuple[str, str, str]], title: str, scale: float) -> Any:
    """The dashboard as a rich Table (cells are plain text, never markup)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("ledger projection", justify="right")
    table.add_column(f"Langxi x {scale:g}", justify="right")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def run_demo(settings: Settings, *, seed: int, scale: float) -> int:
    from rich.console import Console

    from cli.progress import progress_bar
    from cli.store import open_ledger, open_views
    from generator.hainan import generate_qiongzhong_year
    from generator.load import load_plan
    from generator.model import generate_county_year
    from projections import catalog
    from projections.county_dashboard import county_dashboard
    from projections.health_rates import county_programme
    from projections.runner import Runner

    console = Console(highlight=False)
    config = settings.store
    typer.echo(f"store: {config.url}")
    with open_ledger(settings, must_exist=False) as ledger:
        ledger.publish_default_policies()
        documents = load_default_policies()
        console.rule("1. the shipped default policies")
        for d in documents:
            typer.echo(f"{d.region}/{d.version} (effective {d.effective_from})")
        for c in publish_shipped_catalogues(ledger):
            typer.echo(f"catalogue {c.region}/{c.version} (effective {c.effective_from})")
        console.rule("2. worked example (research §2.3), as an auditor sees it")
        settle_worked_example(ledger)
        console.rule("2b. 琼中 worked example: 食管癌, single-disease standard")
        typer.echo("\n".join(settle_hainan_example(ledger)))
        console.rule(f"3. synthetic Langxi county (seed {seed}, scale {scale:g}) through the commands")
        plan = generate_county_year(seed, scale=scale)
        started = time.perf_counter()
        with progress_bar("items") as bar:
            task = bar.add_task("patients and visits", total=len(plan.patients) + len(plan.visits))
            report = load_plan(ledger, plan, progress=lambda done, total: bar.update(task, completed=done))
        typer.echo(
            f"{len(plan.patients)} patients, {len(plan.visits)} visits: {report.commands} commands "
            f"({report.appended} appended, {report.replayed} already done) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        hainan_plan = generate_qiongzhong_year(seed, scale=scale / 5)
        console.rule(f"3b. synthetic 琼中 county (seed {seed}, scale {scale / 5:g}) through the commands")
        hainan_report = load_plan(ledger, hainan_plan)
        typer.echo(f"{hainan_report.describe()}")
        store = open_views(config)
        try:
            processed = Runner(ledger, store, catalog.select(None), batch_size=1000).run_once(until_head=True)
            console.rule(f"4. projections caught up ({processed} events)")
            board = county_dashboard(store, REGION, plan.year, month=7, cumulative=True)
            hainan_end = date(plan.year, 7, 31)
            hainan_board = county_dashboard(
                store,
                HAINAN,
                plan.year,
                month=7,
                cumulative=True,
                programme=county_programme(ledger, HAINAN, hainan_end),
            )
        finally:
            store.close()
        console.rule(f"5. county dashboard {REGION}, {plan.year} Jan-Jul")
        console.print(
            dashboard_table(
                dashboard_rows(board, scale), f"against the Langxi report (July {plan.year}) scaled by {scale:g}", scale
            )
        )
        console.print(hainan_table(hainan_board, f"5b. county dashboard {HAINAN} (琼中), {plan.year} Jan-Jul"))
        verdict = ledger.verify_benefit_year(WORKED_EXAMPLE, 2018)
        hainan_verdict = ledger.verify_benefit_year(HAINAN_EXAMPLE, 2018)
        console.rule("6. verify")
        typer.echo(
            f"{HAINAN_EXAMPLE}/2018: {hainan_verdict['settlements']} settlement re-derived from raw facts: "
            f"{'identical to the fen' if hainan_verdict['verified'] else hainan_verdict['differences']}"
        )
        typer.echo(
            f"{WORKED_EXAMPLE}/2018: {verdict['settlements']} settlements re-derived from raw facts: "
            f"{'identical to the fen' if verdict['verified'] else verdict['differences']}"
        )
        return 0 if verdict["verified"] and hainan_verdict["verified"] else 1


def publish_shipped_catalogues(ledger: BenefitLedger) -> list[Catalogue]:
    """Publish the shipped catalogue files as catalogue versions (idempotent: derived command ids)."""
    from domain.registry.catalogue_files import shipped_catalogues
    from service.commands import PublishCatalogueVersion

    published = list(shipped_catalogues())
    for c in published:
        ledger.handle(PublishCatalogueVersion.of(c, command_id=f"catalogue:{c.region}:{c.version}"))
    return published
