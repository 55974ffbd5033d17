"""Unknown query parameters are refused (422 problem, nothing done), on every documented route.

A misspelt `?mnth=7` would otherwise be ignored silently and the caller would read the whole year. The
route's declared query parameters (its own and its dependencies', e.g. `fresh`, `limit`, `format`) are the
only ones accepted. Undocumented routes (the dashboard page, which reads its own address in the browser)
are not checked, nor FHIR search, which answers an unknown parameter with its own 400
OperationOutcome (docs/fhir.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

_KNOWN: dict[int, frozenset[str]] = {}


def _query_names(dependant: Any) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared(route: Any) -> frozenset[str]:
    key = id(route)
    if key not in _KNOWN:
        _KNOWN[key] = frozenset(_query_names(route.dependant))
    return _KNOWN[key]


async def refuse_unknown_query_parameters(request: Request) -> None:  # async: no worker thread per request
    route = request.scope.get("route")
    if route is None or not getattr(route, "include_in_schema", False) or not request.query_params:
        return
    if request.url.path.startswith("/fhir/"):  # FHIR search reads its own parameters (400 OperationOutcome)
        return
    unknown = sorted(set(request.query_params) - _declared(route))
    if unknown:
        allowed = ", ".join(sorted(_declared(route))) or "none"
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", name),
                    "msg": f"unknown query parameter (this route takes: {allowed})",
                    "input": None,
                    "ctx": {"error": "unknown query parameter"},
                }
                for name in unknown
            ]
        )
