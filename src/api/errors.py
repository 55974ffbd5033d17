"""Problem details (RFC 9457): every refusal is `application/problem+json` {type, title, status, detail}.

Ledger errors carry their own status and title. Bad input (request validation, amounts, policy
data) is 422 and names the offending fields, in one spelling for a single route and a batch (which adds the
command's `index` and `command_id`). A body over the size limit is 413 (api.body_limit). A read model not
built yet, or built by other code, is 503. Anything unexpected is 500 with no stack trace in the body; the
trace goes to the server log only.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.responses import ProblemResponse
from domain.errors import LedgerError
from domain.money import InvalidAmountError
from domain.policy.parsing import PolicyError
from projections.runner import StaleProjectionError
from projections.view import ViewNotBuiltError
from service.batch import BatchCommandError
from service.commands import InvalidCommandError, error_message
from service.store_errors import StoreUnavailableError, store_error

logger = logging.getLogger("api")

TYPE_PREFIX = "urn:benefit-ledger:problem:"
RETRY_AFTER_S = 5  # seconds a client waits before retrying a 503 of the store (the same command id is safe)


def problem(status: int, title: str, detail: str, kind: str, **extensions: Any) -> ProblemResponse:
    body = {"type": TYPE_PREFIX + kind, "title": title, "status": status, "detail": detail, **extensions}
    return ProblemResponse(body, status_code=status)


def _kind(exc: Exception) -> str:
    """`ConcurrencyConflictError` -> `concurrency-conflict`."""
    name = type(exc).__name__.removesuffix("Error") or "error"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _ledger_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LedgerError)
    if isinstance(exc, BatchCommandError):
        return _batch_error(exc)
    if isinstance(exc, InvalidCommandError):
        return problem(422, "Invalid request", str(exc), "invalid-request", errors=exc.errors)
    extensions = {name: getattr(exc, name) for name in ("current_version",) if getattr(exc, name, None) is not None}
    response = problem(exc.status, exc.title, str(exc), _kind(exc), **extensions)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="benefit-ledger"'
    return response


def _batch_error(exc: BatchCommandError) -> Response:
    """The refused command's own problem (as its single route gives it), with its `index` and `command_id`."""
    cause = exc.cause
    extensions: dict[str, Any] = {"index": exc.index}
    if exc.command_id is not None:
        extensions["command_id"] = exc.command_id
    if isinstance(cause, InvalidCommandError):
        title, kind = "Invalid request", "invalid-request"
        extensions["errors"] = cause.errors
    elif isinstance(cause, InvalidAmountError):
        title, kind = "Invalid amount", "invalid-amount"
    elif isinstance(cause, PolicyError):
        title, kind = "Invalid policy data", "invalid-policy"
    else:
        title, kind = exc.title, _kind(cause)
    if getattr(cause, "current_version", None) is not None:
        extensions["current_version"] = cause.current_version  # type: ignore[attr-defined]
    return problem(exc.status, title, str(exc), kind, **extensions)


def _invalid_input(request: Request, exc: Exception) -> Response:
    if isinstance(exc, InvalidAmountError):
        return problem(422, "Invalid amount", str(exc), "invalid-amount")
    return problem(422, "Invalid policy data", str(exc), "invalid-policy")


def _read_model_unavailable(request: Request, exc: Exception) -> Response:
    return problem(503, "Read model unavailable", str(exc), "read-model-unavailable")


def _request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(error) for error in exc.errors()]
    detail = "; ".join(_named(e["field"], e["message"]) for e in errors)
    return problem(422, "Invalid request", detail, "invalid-request", errors=errors)


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    loc = list(error.get("loc", ()))
    location = str(loc.pop(0)) if loc and loc[0] in ("body", "path", "query", "header") else "body"
    if location == "header":
        loc = [str(part).lower() for part in loc]
    return {"field": ".".join(str(part) for part in loc), "location": location, "message": error_message(error)}


def _named(field: str, message: str) -> str:
    return message if not field or message.startswith(f"{field}:") else f"{field}: {message}"


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    title = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}.get(
        exc.status_code, "HTTP error"
    )
    response = problem(exc.status_code, title, str(exc.detail), "http-" + str(exc.status_code))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def _store_unavailable(request: Request, exc: Exception) -> Response:
    """A store failure (down, full, read-only, busy) as 503 + Retry-After and one log line, no traceback.

    Registered for the store's own exception classes, so the answer leaves through Starlette's exception
    middleware like any other handled error and the keep-alive connection stays usable (the catch-all
    `Exception` handler runs in the last-resort middleware, which re-raises to the server after answering,
    and uvicorn then drops the connection). A driver error that is not about the store is a 500 here too.
    """
    failure = store_error(exc)
    if failure is None:
        return _unexpected(request, exc)
    logger.warning("%s %s: 503 %s", request.method, request.url.path, failure)
    response = problem(503, failure.title, str(failure), _kind(failure))
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _store_exception_classes() -> list[type[Exception]]:
    """The exception classes a store failure arrives as: ours, eventsourcing's, the drivers', the OS's."""
    import sqlite3

    from eventsourcing.persistence import PersistenceError

    classes: list[type[Exception]] = [StoreUnavailableError, PersistenceError, sqlite3.Error, OSError]
    try:
        import psycopg
        import psycopg_pool

        classes += [psycopg.Error, psycopg_pool.PoolTimeout]
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return classes


def _unexpected(request: Request, exc: Exception) -> Response:
    failure = store_error(exc)
    if failure is not None:  # a store failure wrapped in another exception: still a 503
        return _store_unavailable(request, failure)
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(
        500,
        "Internal error",
        "the ledger could not handle this request; nothing was recorded "
        "unless a retry with the same command id says so",
        "internal-error",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(InvalidAmountError, _invalid_input)
    app.add_exception_handler(PolicyError, _invalid_input)
    app.add_exception_handler(ViewNotBuiltError, _read_model_unavailable)
    app.add_exception_handler(StaleProjectionError, _read_model_unavailable)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for store_class in _store_exception_classes():
        app.add_exception_handler(store_class, _store_unavailable)
    app.add_exception_handler(Exception, _unexpected)
