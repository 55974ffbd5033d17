"""One handler per command: `@handles(Discharge)` registers the function `BenefitLedger.handle` calls for it.

A handler loads the aggregates it needs through the ledger, applies the command and returns an
`Outcome(saved, result)`; it never saves. `handle` runs it inside `service.idempotency.execute`, which
checks the command id once, saves what it returns with the command's record in one transaction, and
re-runs it on fresh state when a concurrent writer got there first (so a handler must not keep state
between calls).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from service.commands.base import Command
from service.idempotency import Outcome

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

C = TypeVar("C", bound=Command)
Handler = Callable[["BenefitLedger", C], Outcome]
_HANDLERS: dict[type[Command], Callable[[Any, Any], Outcome]] = {}


def handles(kind: type[C]) -> Callable[[Handler[C]], Handler[C]]:
    """Register the decorated function as the handler of `kind`."""

    def register(function: Handler[C]) -> Handler[C]:
        if kind in _HANDLERS:
            raise TypeError(f"{kind.__name__} has two handlers")
        _HANDLERS[kind] = function
        return function

    return register


def handler_for(kind: type[Command]) -> Callable[[Any, Any], Outcome]:
    _load()
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise TypeError(f"no handler for {kind.__name__}: add one in service/handlers/") from None


def handled_commands() -> frozenset[type[Command]]:
    _load()
    return frozenset(_HANDLERS)


def written(aggregate: Any) -> dict[str, Any]:
    """The usual result of a command on one aggregate: its id and new version."""
    return {"id": str(aggregate.id), "version": aggregate.version}


_loaded = False
_loading = threading.RLock()


def _load() -> None:
    """Import every handler module once. Marked loaded only after the imports, under a lock: a server's
    first requests arrive in several threads at once, and one that saw "loaded" while another thread was
    still importing found no handler for its command (a 500)."""
    global _loaded
    if _loaded:
        return
    with _loading:
        if not _loaded:
            _import_handlers()
            _loaded = True


def _import_handlers() -> None:
    from service.handlers import (  # noqa: F401
        admissions,
        api_clients,
        audit,
        bulletins,
        catalogue,
        deliveries,
        health_programme,
        hospitals,
        patients,
        payments,
        policies,
        recalculations,
        registry,
        reversals,
        rosters,
        year_close,
    )
