"""`ledger publish-policy`, `ledger policies` and `ledger recalculate`: policy versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.store import open_ledger

CommandId = Annotated[
    str | None,
    typer.Option(
        "--command-id", help="idempotency key (default: derived from the arguments, so a re-run appends nothing)"
    ),
]


def publish_policy(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(metavar="FILE.toml")], command_id: CommandId = None
) -> int:
    """Publish a policy version from a TOML file (it may take effect before it is published)."""
    from domain.policy.loader import load_policy_file
    from service.commands import PublishPolicyVersion

    document = load_policy_file(file)
    with open_ledger(ctx.obj.settings, must_exist=False) as ledger:
        result = ledger.handle(
            PublishPolicyVersion.of(document, command_id=command_id or f"policy:{document.region}:{document.version}")
        )
    typer.echo(f"published {result['region']}/{result['version']} ({'already there' if result['replayed'] else 'new'})")
    return 0


def policies(ctx: typer.Context, region: Annotated[str, typer.Argument(metavar="REGION")]) -> int:
    """List a region's policy versions: when each takes effect and when it was published."""
    with open_ledger(ctx.obj.settings) as ledger:
        entries = ledger.policy_register(region)
    for entry in entries:
        typer.echo(f"{entry['version']:<28} effective {entry['effective_from']}  published {entry['published_at']}")
    return 0


def recalculate(
    ctx: typer.Context,
    region: Annotated[str | None, typer.Argument(metavar="REGION", show_default=False)] = None,
    version: Annotated[str | None, typer.Argument(metavar="VERSION", show_default=False)] = None,
    pending: Annotated[
        bool,
        typer.Option("--pending", help="re-settle every patient-year pending recalculation (late facts not applied)"),
    ] = False,
    county: Annotated[str | None, typer.Option("--county", help="with --pending: one county only")] = None,
    year: Annotated[int | None, typer.Option("--year", help="with --pending: one benefit year only")] = None,
    command_id: CommandId = None,
) -> int:
    """Re-settle the patient-years a policy version affects (REGION VERSION), or every patient-year pending
    recalculation (--pending); print the compensation owed per patient-year."""
    from domain.errors import ValidationError

    if pending:
        if region is not None or version is not None or command_id is not None:
            raise ValidationError("recalculate --pending takes no REGION, VERSION or --command-id")
        return _recalculate_pending(ctx, county, year)
    if region is None or version is None:
        raise ValidationError("recalculate: give REGION and VERSION, or --pending")
    if county is not None or year is not None:
        raise ValidationError("recalculate: --county and --year go with --pending")
    from service.commands import RecalculateForPolicy

    with open_ledger(ctx.obj.settings) as ledger:
        result = ledger.handle(
            RecalculateForPolicy(
                command_id=command_id or f"recalculate:{region}:{version}", region=region, version=version
            )
        )
    typer.echo(
        f"examined {result['examined']} patient-years; {result['changed_count']} changed; "
        f"compensation owed {result['compensation_owed']}"
    )
    for item in result["changed"]:
        typer.echo(f"  {item['patient_ref']}/{item['year']}: compensation owed {item['compensation_owed']}")
    return 0


def _recalculate_pending(ctx: typer.Context, county: str | None, year: int | None) -> int:
    from cli.progress import progress_bar
    from cli.store import open_views
    from service.pending_recalculation import pending_filter, recalculate_pending

    county, year = pending_filter(county, year)
    with open_ledger(ctx.obj.settings) as ledger, progress_bar("patient-years") as bar:
        views = open_views(ctx.obj.settings.store)
        try:
            task = bar.add_task("recalculating pending", total=None)
            run = recalculate_pending(
                ledger,
                views,
                county_code=county,
                year=year,
                on_start=lambda total: bar.update(task, total=total),
                on_year=lambda _: bar.advance(task),
            )
        finally:
            views.close()
    typer.echo(
        f"pending: {run.examined} patient-years recalculated; {run.changed_count} changed; "
        f"compensation owed {run.compensation_owed}"
    )
    for item in run.years:
        state = "changed" if item["changed"] else "unchanged (checked)"
        typer.echo(
            f"  {item['patient_ref']}/{item['year']}: {state}; compensation owed {item['compensation_owed']}"
            + (" (already recorded)" if item["replayed"] else "")
        )
    return 0
