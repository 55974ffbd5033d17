"""`ledger catalogue publish FILE.toml`: publish a catalogue (三目录) version (admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.policy_commands import CommandId
from cli.store import open_ledger
from domain.errors import ValidationError

catalogue_app = typer.Typer(
    name="catalogue",
    help="The 三目录 catalogue: publish a version from a TOML file (it may take effect before it is published).",
    no_args_is_help=True,
    add_completion=False,
)


@catalogue_app.command("publish")
def publish_catalogue(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(metavar="FILE.toml")], command_id: CommandId = None
) -> int:
    """Publish a catalogue version from a TOML file (format: docs/registries.md)."""
    from domain.registry.catalogue import CatalogueError
    from domain.registry.catalogue_files import load_catalogue_file
    from service.commands import PublishCatalogueVersion

    try:
        catalogue = load_catalogue_file(file)
    except OSError as exc:
        raise ValidationError(f"{file}: {exc.strerror or exc}") from None
    except CatalogueError as exc:
        raise ValidationError(f"{file}: {exc}") from None
    with open_ledger(ctx.obj.settings, must_exist=False) as ledger:
        result = ledger.handle(
            PublishCatalogueVersion.of(
                catalogue, command_id=command_id or f"catalogue:{catalogue.region}:{catalogue.version}"
            )
        )
    typer.echo(
        f"published catalogue {result['region']}/{result['version']} effective {result['effective_from']} "
        f"at {result['published_at']} ({'already there' if result['replayed'] else 'new'})"
    )
    return 0
