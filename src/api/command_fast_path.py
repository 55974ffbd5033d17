"""`CommandRoute`: a write route that answers the ordinary command POST without FastAPI's dependency solver.

A command POST cost ~0.47 ms of server CPU outside its handler, a quarter to a third of it in
`solve_dependencies` (four dependants, sixteen parameter look-ups, for a ledger, a principal and a body);
~0.24 ms on this path (measured in-process, 16 concurrent POSTs, the handler stubbed).
The direct path takes only requests it can answer exactly as the full path would: no query string, no
dependency overrides, `Content-Type: application/json`, a token the access policy knows from memory
(`AccessPolicy.known`), a JSON object body, and path parameters, headers and body that validate against
the very fields FastAPI built for the route. Anything else (a missing or unknown token, bad JSON, a
validation error, a query parameter) goes the full FastAPI path before anything is done, so every
refusal (401, 422 problem+json, ...) is the full path's own. The command then runs in the same
`execute` as the full path, and the answer is serialised by the route's response field as FastAPI does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import orjson
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from api.access import Principal

# (request, sub-response, body, principal, ledger, Idempotency-Key, path values) -> the answer's content
Execute = Callable[[Request, Response, Any, Principal, Any, str | None, dict[str, Any]], Awaitable[Any]]
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _token(request: Request) -> str | None:
    """The bearer token (or X-API-Key) when the header is well formed (else None: the full path refuses it)."""
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        value = value.strip()
        return value if scheme.lower() == "bearer" and value else None
    return request.headers.get("x-api-key") or None


class CommandRoute(APIRoute):
    """An APIRoute whose endpoint carries `direct_execute` (api.command_route): see the module docstring."""

    def get_route_handler(self) -> Handler:
        full = super().get_route_handler()
        execute: Execute | None = getattr(self.endpoint, "direct_execute", None)
        body_field, response_field = self.body_field, self.response_field
        if execute is None or body_field is None or response_field is None:
            return full
        if not isinstance(self.response_class, DefaultPlaceholder):  # FastAPI then renders with that class
            return full
        path_params, header_params = self.dependant.path_params, self.dependant.header_params
        status_code = self.status_code or 200

        async def handler(request: Request) -> Response:
            prepared = await self._prepare(request, body_field, path_params, header_params)
            if prepared is None:
                return await full(request)
            principal, body, path_values, idempotency_key = prepared
            request.state.principal = principal
            sub = Response()  # what the endpoint may set (status, headers), as FastAPI hands it one
            del sub.headers["content-length"]
            sub.status_code = None  # type: ignore[assignment]
            content = await execute(
                request, sub, body, principal, request.app.state.ledger, idempotency_key, path_values
            )
            value, errors = response_field.validate(content, {}, loc=("response",))
            if errors:  # not expected: let the full serialiser raise its ResponseValidationError
                from fastapi.routing import serialize_response

                await serialize_response(field=response_field, response_content=content, dump_json=True)
            response = Response(
                content=response_field.serialize_json(value, by_alias=True),
                status_code=sub.status_code or status_code,
                media_type="application/json",
            )
            response.headers.raw.extend(sub.headers.raw)
            return response

        return handler

    @staticmethod
    async def _prepare(
        request: Request, body_field: Any, path_params: Any, header_params: Any
    ) -> tuple[Principal, Any, dict[str, Any], str | None] | None:
        """The principal, validated body, path values and Idempotency-Key, or None for the full path."""
        if request.scope.get("query_string") or request.app.dependency_overrides:
            return None
        if request.headers.get("content-type") != "application/json":
            return None
        token = _token(request)
        principal = request.app.state.access.known(token) if token else None
        if principal is None:
            return None
        raw = await request.body()  # kept on the request: the full path reads the same bytes
        try:
            data = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        path_values, errors = request_params_to_args(path_params, request.path_params)
        if errors:
            return None
        header_values, errors = request_params_to_args(header_params, request.headers)
        if errors:
            return None
        body, errors = body_field.validate(data, {}, loc=("body",))
        if errors:
            return None
        return principal, body, path_values, header_values.get("idempotency_key")
