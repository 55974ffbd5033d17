"""Problem details (RFC 9457): every refusal is `application/problem+json` {type, title, status, detail}.

Ledger errors carry their own status and title. Bad input (request validation, amounts, policy
data) is 422 and names the offending fields. A read model not built yet, or built by other code, is 503. Anything unexpected is 500 with no stack trace in
the body; the trace goes to the server log only.
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
from service.store_errors import store_error

logger = logging.getLogger("api")

TYPE_PREFIX = "urn:benefit-ledger:problem:"


def problem(status: int, title: str, detail: str, kind: str, **extensions: Any) -> ProblemResponse:
    body = {"type": TYPE_PREFIX + kind, "title": title, "status": status, "detail": detail, **extensions}
    return ProblemResponse(body, status_code=status)


def _kind(exc: Exception) -> str:
    """`ConcurrencyConflictError` -> `concurrency-conflict`."""
    name = type(exc).__name__.removesuffix("Error") or "error"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _ledger_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LedgerError)
    extensions = {
        name: getattr(exc, name)
        for name in ("current_version", "index", "command_id")
        if getattr(exc, name, None) is not None
    }
    response = problem(exc.status, exc.title, str(exc), _kind(exc), **extensions)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="benefit-ledger"'
    return response


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
    ctx = error.get("ctx") or {}
    message = str(ctx["error"]) if error.get("type") == "value_error" and "error" in ctx else str(error["msg"])
    return {"field": ".".join(str(part) for part in loc), "location": location, "message": message}


def _named(field: str, message: str) -> str:
    return message if not field or message.startswith(f"{field}:") else f"{field}: {message}"


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    response = problem(exc.status_code, title, str(exc.detail), "http-" + str(exc.status_code))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def _unexpected(request: Request, exc: Exception) -> Response:
    failure = store_error(exc)
    if failure is not None:  # the store is down, full or read-only: the client may retry with the same command id
        logger.warning("%s %s: %s", request.method, request.url.path, failure)
        response = problem(503, failure.title, str(failure), _kind(failure))
        response.headers["Retry-After"] = "5"
        return response
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
    app.add_exception_handler(Exception, _unexpected)
