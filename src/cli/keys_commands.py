"""`ledger keys add|list`: the API's clients (the keys file, api.access_keys). Tokens are shown once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from domain.errors import ValidationError

keys_app = typer.Typer(
    name="keys",
    help="API clients: add one (its token is shown once) or list them.",
    no_args_is_help=True,
    add_completion=False,
)

KeysFile = Annotated[
    Path | None, typer.Option("--keys-file", help="default: $LEDGER_API_KEYS_FILE, else var/api-keys.toml")
]


@keys_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    role: Annotated[str, typer.Option("--role", help="admin, hospital, payment_service, auditor or dashboard")],
    fund: Annotated[str | None, typer.Option("--fund", help="the fund a payment_service pays for")] = None,
    hospital: Annotated[str | None, typer.Option("--hospital", help="a hospital client's code")] = None,
    keys_file: KeysFile = None,
) -> int:
    """Add a client to the keys file and print its bearer token (only its digest is stored)."""
    from api.access import Role
    from api.access_keys import add_client

    if role not in {r.value for r in Role}:
        raise ValidationError(f"--role: {role!r} is not one of {', '.join(r.value for r in Role)}")
    if not name.strip():
        raise ValidationError("NAME: give a non-empty client name")
    path = keys_file or ctx.obj.settings.api_keys_file
    token = add_client(path, name=name, role=role, fund=fund, hospital=hospital)
    typer.echo(f"added client {name} ({role}) to {path}; its token, shown only this once:", err=True)
    typer.echo(token)
    return 0


@keys_app.command("list")
def list_keys(ctx: typer.Context, keys_file: KeysFile = None) -> int:
    """List the clients: names, roles, funds and hospitals (never tokens)."""
    from api.access_keys import list_clients

    path = keys_file or ctx.obj.settings.api_keys_file
    clients = list_clients(path)
    for client in clients:
        scope = (client.fund and f"fund {client.fund}") or (client.hospital and f"hospital {client.hospital}") or ""
        typer.echo(f"{client.name:<32} {client.role.value:<16} {scope}".rstrip())
    if not clients:
        typer.echo(f"no clients in {path}", err=True)
    return 0
