"""`ledger keys add|list|revoke|rotate`: the API's clients, kept in the store as events (digests only).

A client added here counts on its first request to every running server; one revoked or rotated here within
1 s (each server re-reads the key events at most 1 s apart: api.access_keys.KEYS_REFRESH_S); no restart.
Tokens are minted here, printed once on stdout and never stored. `--keys-file PATH` on `add` and `list`
works on a keys file instead (the optional bootstrap, e.g. a Kubernetes Secret, api.access_keys); a client
of the store overrides a keys-file client of the same name, so `revoke` and `rotate` also take a
bootstrap client out of use (its entry is adopted into the store first).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.store import open_ledger
from domain.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

keys_app = typer.Typer(
    name="keys",
    help="API clients: add one (its token is shown once), list, revoke or rotate them. Effective without restart.",
    no_args_is_help=True,
    add_completion=False,
)

KeysFile = Annotated[
    Path | None, typer.Option("--keys-file", help="work on this keys file (the bootstrap) instead of the store")
]


def _mint() -> tuple[str, str]:
    from api.access import token_digest

    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


@keys_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    role: Annotated[str, typer.Option("--role", help="admin, hospital, payment_service, auditor or dashboard")],
    fund: Annotated[str | None, typer.Option("--fund", help="the fund a payment_service pays for")] = None,
    hospital: Annotated[str | None, typer.Option("--hospital", help="a hospital client's code")] = None,
    keys_file: KeysFile = None,
) -> int:
    """Add a client and print its bearer token once (only its SHA-256 is kept)."""
    from api.access import Role

    if role not in {r.value for r in Role}:
        raise ValidationError(f"--role: {role!r} is not one of {', '.join(r.value for r in Role)}")
    if not name.strip():
        raise ValidationError("NAME: give a non-empty client name")
    if keys_file is not None:
        from api.access_keys import add_client

        token = add_client(keys_file, name=name, role=role, fund=fund, hospital=hospital)
        typer.echo(f"added client {name} ({role}) to {keys_file}; its token, shown only this once:", err=True)
        typer.echo(token)
        return 0
    from service.commands import AddApiClient

    token, digest = _mint()
    with open_ledger(ctx.obj.settings, must_exist=False) as ledger:
        ledger.handle(
            AddApiClient(
                command_id=f"keys-add:{name}:{digest[:16]}",
                name=name,
                role=role,
                fund=fund,
                hospital=hospital,
                token_sha256=digest,
            )
        )
    typer.echo(f"added client {name} ({role}) to the store; its token, shown only this once:", err=True)
    typer.echo(token)
    return 0


@keys_app.command("list")
def list_keys(ctx: typer.Context, keys_file: KeysFile = None) -> int:
    """List the clients (the store's, then the keys file's not overridden): names, roles, scope, never tokens."""
    from api.access_keys import list_clients

    if keys_file is not None:
        rows = [(c.name, c.role.value, c.fund, c.hospital, "") for c in list_clients(keys_file)]
        where = str(keys_file)
    else:
        from service.api_clients import ApiClientDirectory

        stored = []
        if _store_exists(ctx.obj.settings):  # listing never creates an empty store
            with open_ledger(ctx.obj.settings) as ledger:
                stored = ApiClientDirectory(ledger).clients()
        rows = [(c.name, c.role, c.fund, c.hospital, "revoked" if c.revoked else "") for c in stored]
        names = {c.name for c in stored}
        bootstrap = ctx.obj.settings.api_keys_file
        rows += [
            (c.name, c.role.value, c.fund, c.hospital, f"(keys file {bootstrap})")
            for c in list_clients(bootstrap)
            if c.name not in names
        ]
        where = f"the store or {bootstrap}"
    for name, role, fund, hospital, note in rows:
        scope = (fund and f"fund {fund}") or (hospital and f"hospital {hospital}") or ""
        typer.echo(f"{name:<32} {role:<16} {scope:<20} {note}".rstrip())
    if not rows:
        typer.echo(f"no clients in {where}", err=True)
    return 0


@keys_app.command("revoke")
def revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    reason: Annotated[str, typer.Option("--reason", help="why (kept in the event)")] = "revoked by an operator",
) -> int:
    """Revoke a client's key: 401 on every server within 1 s, without restart."""
    from service.commands import RevokeApiClient

    with open_ledger(ctx.obj.settings) as ledger:
        version = _in_store(ctx, ledger, name)
        result = ledger.handle(
            RevokeApiClient(
                command_id=f"keys-revoke:{name}:{version}", name=name, reason=reason, expected_version=version
            )
        )
    typer.echo(f"revoked client {name} (version {result['version']})")
    return 0


@keys_app.command("rotate")
def rotate(ctx: typer.Context, name: Annotated[str, typer.Argument(metavar="NAME")]) -> int:
    """Give a client a new key and print its token once; the old token is 401 everywhere within 1 s."""
    from service.commands import RotateApiClient

    token, digest = _mint()
    with open_ledger(ctx.obj.settings) as ledger:
        version = _in_store(ctx, ledger, name)
        ledger.handle(
            RotateApiClient(
                command_id=f"keys-rotate:{name}:{digest[:16]}", name=name, token_sha256=digest, expected_version=version
            )
        )
    typer.echo(f"rotated the key of client {name}; its new token, shown only this once:", err=True)
    typer.echo(token)
    return 0


def _in_store(ctx: typer.Context, ledger: BenefitLedger, name: str) -> int:
    """The client's version in the store; a keys-file client is adopted into the store first (same digest)."""
    from api.access_keys import load_policy
    from service.api_clients import ApiClientDirectory
    from service.commands import AddApiClient

    stored = ApiClientDirectory(ledger).by_name(name)
    if stored is not None:
        return stored.version
    bootstrap = ctx.obj.settings.api_keys_file
    found: Any = None
    if Path(bootstrap).exists():
        found = next(((d, p) for d, p in load_policy(bootstrap).clients().items() if p.name == name), None)
    if found is None:
        raise NotFoundError(f"no API client {name} in the store or in {bootstrap}")
    digest, principal = found
    ledger.handle(
        AddApiClient(
            command_id=f"keys-adopt:{name}:{digest[:16]}",
            name=name,
            role=principal.role.value,
            fund=principal.fund,
            hospital=principal.hospital,
            token_sha256=digest,
        )
    )
    return 1


def _store_exists(settings: Any) -> bool:
    store = settings.store
    if store.kind != "sqlite":
        return True
    path = store.env["SQLITE_DBNAME"]
    return path == ":memory:" or path.startswith("file:") or Path(path).exists()
