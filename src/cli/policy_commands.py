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
    region: Annotated[str, typer.Argument(metavar="REGION")],
    version: Annotated[str, typer.Argument(metavar="VERSION")],
    command_id: CommandId = None,
) -> int:
    """Re-settle the patient-years a policy version affects; print the compensation owed per patient-year."""
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
