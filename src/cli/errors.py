"""One-line errors for the `ledger` command.

Bad input (a usage error, a refused command, a file that cannot be read, a store that cannot be
reached, an unknown patient) is one line on stderr and exit status 2, with nothing changed.
Anything else is a defect: one line and exit status 1 (LEDGER_TRACEBACK=1 shows the traceback).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from domain.errors import LedgerError

try:  # typer >= 0.22 carries its own copy of click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer on the real click
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

EXIT_PROBLEMS_FOUND = 1  # verify found a problem, or a rebuild failed
EXIT_INTERNAL = 1  # a defect of the ledger itself
EXIT_BAD_INPUT = 2
TRACEBACK_ENV = "LEDGER_TRACEBACK"


class StoreUnavailableError(Exception):
    """The event store named by LEDGER_DATABASE_URL / --database-url cannot be opened."""


# Store errors are recognised by class without importing their (heavy) modules: if the module is not
# loaded, the exception cannot come from it.
_STORE_ERRORS = (
    ("eventsourcing.persistence", "OperationalError"),
    ("eventsourcing.persistence", "InterfaceError"),
    ("psycopg", "OperationalError"),
    ("psycopg_pool", "PoolTimeout"),
    ("sqlite3", "OperationalError"),
)


def is_store_error(exc: BaseException) -> bool:
    for module_name, class_name in _STORE_ERRORS:
        kind = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(kind, type) and isinstance(exc, kind):
            return True
    return False


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def classify(exc: BaseException) -> tuple[int, str]:
    """Exit status and one-line message for an exception raised by a command."""
    if isinstance(exc, StoreUnavailableError):
        return EXIT_BAD_INPUT, first_line(exc)
    if is_store_error(exc):
        return EXIT_BAD_INPUT, f"the store is unavailable: {first_line(exc)}"
    settings_error = _settings_error(exc)
    if settings_error is not None:
        return EXIT_BAD_INPUT, settings_error
    if isinstance(exc, OSError) and exc.filename is not None:
        return EXIT_BAD_INPUT, f"{exc.filename}: {exc.strerror or first_line(exc)}"
    policy_error = getattr(sys.modules.get("domain.policy.parsing"), "PolicyError", None)
    bad_input: tuple[type[BaseException], ...] = (LedgerError, ValueError, OSError)
    if isinstance(policy_error, type):
        bad_input += (policy_error,)
    if isinstance(exc, bad_input):
        return EXIT_BAD_INPUT, first_line(exc)
    return EXIT_INTERNAL, (
        f"internal error: {type(exc).__name__}: {first_line(exc)} (set {TRACEBACK_ENV}=1 for the traceback)"
    )


def _settings_error(exc: BaseException) -> str | None:
    """A bad LEDGER_* setting (pydantic's ValidationError of service.settings.Settings), in one line."""
    kind = getattr(sys.modules.get("pydantic"), "ValidationError", None)
    if not isinstance(kind, type) or not isinstance(exc, kind) or getattr(exc, "title", "") != "Settings":
        return None
    parts = [
        f"LEDGER_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
        for e in exc.errors(include_url=False)  # type: ignore[attr-defined]
    ]
    return "bad setting: " + "; ".join(parts)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    """Say `message` on one line of stderr; return the exit status."""
    typer.echo("ledger: " + " ".join(message.split("\n")).strip(), err=True)
    return code


class OneLineErrorGroup(TyperGroup):
    """The root command: runs a subcommand and turns every failure into one line and an exit status."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        code = self._run(args, prog_name, complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args: Sequence[str] | None, prog_name: str | None, complete_var: str | None, **extra: Any) -> int:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_exceptions.NoArgsIsHelpError as exc:
            if exc.format_message():  # the help text; typer's rich help has printed itself already
                typer.echo(exc.format_message())
            return EXIT_BAD_INPUT
        except click_exceptions.UsageError as exc:
            path = exc.ctx.command_path if exc.ctx else "ledger"
            return fail(
                f"{path.removeprefix('ledger ')}: {exc.format_message()} (see '{path} --help')"
                if path != "ledger"
                else f"{exc.format_message()} (see 'ledger --help')",
                EXIT_BAD_INPUT,
            )
        except click_exceptions.ClickException as exc:
            return fail(exc.format_message(), exc.exit_code)
        except typer.Abort:
            return fail("aborted", EXIT_INTERNAL)
        except Exception as exc:
            from service.settings import traceback_requested

            if traceback_requested():
                raise
            code, message = classify(exc)
            return fail(message, code)
        return result if isinstance(result, int) else 0
