"""`ledger`: the patient-benefit ledger's command line.

Serve the API, run the demo, replay and verify patient-years, import JSON Lines files of commands,
rebuild projections, publish policy versions, export FHIR ExplanationOfBenefit resources, manage
API clients. The store is --database-url, else $LEDGER_DATABASE_URL, else sqlite:///var/ledger.db.
Bad input gives a one-line message on stderr and exit status 2; nothing is changed.

Heavy modules (the service, eventsourcing, FastAPI) are imported inside the commands, so
`ledger --help` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated

import typer

from cli import (
    auditor_commands,
    bulletin_command,
    export_command,
    import_command,
    policy_commands,
    rebuild_command,
    slip_command,
)
from cli.catalogue_commands import catalogue_app
from cli.errors import OneLineErrorGroup
from cli.keys_commands import keys_app
from cli.payment_commands import pay_app
from cli.roster_commands import roster_app
from cli.store import probe
from cli.year_commands import year_app

if TYPE_CHECKING:
    from service.settings import Settings

HELP = (
    "Serve the API, run the demo, replay and verify patient-years, import JSON Lines files of commands, rebuild "
    "projections, publish policy versions, export FHIR ExplanationOfBenefit resources, manage API clients. Bad "
    "input gives a one-line message on stderr and exit status 2; nothing is changed."
)


@dataclass(frozen=True)
class GlobalOptions:
    """What every command gets: the settings, read once (the environment, then --database-url)."""

    database_url: str | None

    @cached_property
    def settings(self) -> Settings:
        from service.settings import Settings

        return Settings().replaced(database_url=self.database_url)


app = typer.Typer(
    name="ledger",
    cls=OneLineErrorGroup,
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="event store (default: $LEDGER_DATABASE_URL or sqlite:///var/ledger.db)"),
    ] = None,
) -> None:
    ctx.obj = GlobalOptions(database_url)


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="interface to listen on (default: $LEDGER_HOST or 127.0.0.1)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default: $LEDGER_PORT or 8000)")] = None,
    workers: Annotated[
        int, typer.Option(min=1, envvar="LEDGER_WORKERS", help="worker processes, each with its group committer")
    ] = 1,
) -> int:
    """Run the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from api.main import create_app

    settings = ctx.obj.settings.replaced(host=host, port=port)
    probe(settings.store, must_exist=False)
    if workers > 1:  # each worker builds the app from the environment (api.main:app): pass the store on
        os.environ["LEDGER_DATABASE_URL"] = settings.database_url
        uvicorn.run(
            "api.main:app",
            host=settings.host,
            port=settings.port,
            workers=workers,
            timeout_graceful_shutdown=settings.shutdown_timeout_s,
        )
        return 0
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        timeout_graceful_shutdown=settings.shutdown_timeout_s,  # SIGTERM: bounded, even with a request stuck
    )
    return 0


@app.command("demo")
def demo(
    ctx: typer.Context,
    scale: Annotated[float, typer.Option(help="share of a Langxi-sized Jan-Jul (1.0 = 23,586 visits)")] = 0.1,
    seed: Annotated[int, typer.Option(help="generator seed")] = 2018,
) -> int:
    """The main job: a synthetic Langxi county, settled, projected, compared with the Langxi report."""
    from cli.demo import run_demo
    from domain.errors import ValidationError

    if not 0 < scale <= 1.0:
        raise ValidationError(f"--scale: give a share in (0, 1], not {scale:g}")
    return run_demo(ctx.obj.settings, seed=seed, scale=scale)


app.command("replay")(auditor_commands.replay)
app.command("verify")(auditor_commands.verify)
app.command("import")(import_command.import_commands)
app.command("rebuild")(rebuild_command.rebuild_projection)
app.command("export-eob")(export_command.export_eob)
app.command("slip")(slip_command.slip)
app.command("bulletin")(bulletin_command.bulletin)
app.command("publish-policy")(policy_commands.publish_policy)
app.command("policies")(policy_commands.policies)
app.command("list-policies", hidden=True)(policy_commands.policies)
app.command("recalculate")(policy_commands.recalculate)
app.add_typer(keys_app, name="keys")
app.add_typer(pay_app, name="pay")
app.add_typer(roster_app, name="roster")
app.add_typer(year_app, name="year")
app.add_typer(catalogue_app, name="catalogue")


def main(argv: Sequence[str] | None = None) -> int:
    """The console script `ledger`: returns the exit status."""
    command = typer.main.get_command(app)
    return int(command.main(args=list(argv) if argv is not None else None, prog_name="ledger", standalone_mode=False))


if __name__ == "__main__":
    raise SystemExit(main())
