"""The OpenAPI document as integrators need it: what each route really answers, how to authenticate, examples.

`install_openapi(app)` replaces `app.openapi` with FastAPI's schema plus:

* **operation ids**: each route's own name (`register_patient`, `read_county_dashboard`), not FastAPI's
  path-derived ones; a name used twice gets the path's first segment in front (`fhir_read_patient`). Stable across releases.
* **security schemes**: `bearerAuth` (`Authorization: Bearer <token>`) and `apiKey` (`X-API-Key: <token>`),
  either one on every operation except the public ones (`/health`, `/ready`, `/fhir/metadata`).
* **responses**: the problem+json body (`Problem`, RFC 9457) that is actually sent for 401 and 403
  (secured operations), 404 (a path names something), 409 (writes: stale expected_version with
  `current_version`, already exists, a command id reused with another payload is 422), 413 (bodies over the
  limit), 422 (bad input, with `errors`, and in a batch `index`/`command_id`), 500 and 503 (store down, read
  model not built); FastAPI's own 422 schema is dropped because it is never sent. Command routes document
  201 (first call) and 200 (an idempotent retry: the same body, header `Idempotency-Replayed: true`).
* **examples**: every request body carries one (api.request_examples).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PUBLIC = {("/health", "get"), ("/ready", "get"), ("/fhir/metadata", "get")}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details: every refusal, with a clear `detail`.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "urn:benefit-ledger:problem:invalid-request"},
        "title": {"type": "string", "example": "Invalid request"},
        "status": {"type": "integer", "example": 422},
        "detail": {"type": "string", "example": "amount: give at most two decimal places"},
        "errors": {
            "type": "array",
            "description": "422: each field that does not fit",
            "items": {
                "type": "object",
                "required": ["field", "location", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "location": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
        "index": {"type": "integer", "description": "POST /batches: the failing command's position"},
        "command_id": {"type": "string", "description": "POST /batches: the failing command's id"},
        "current_version": {"type": "integer", "description": "409 on a stale expected_version"},
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "401": "no token, or an unknown or revoked one",
    "403": "the caller's role or scope (hospital, fund) does not allow this",
    "404": "what the path names does not exist",
    "409": "a conflict: stale expected_version (current_version says the version now), already exists",
    "413": "the request body is over the size limit (LEDGER_BODY_LIMIT_BYTES)",
    "422": "bad input: the fields that do not fit are in errors (nothing was changed)",
    "500": "an unexpected error (no details in the body; the trace is in the server log)",
    "503": "the store does not answer (down, disk full, read-only) or a read model is not built yet",
}
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <token>"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "X-API-Key: <token>"},
}


def _problem(code: str) -> dict[str, Any]:
    return {"description": DESCRIPTIONS[code], "content": {"application/problem+json": {"schema": PROBLEM_REF}}}


def _operation_id(operation_id: str, path: str, method: str) -> str:
    """FastAPI's default id is name + path + method with non-word characters as "_": strip the suffix."""
    suffix = re.sub(r"\W", "_", f"{path}_{method}")
    return operation_id.removesuffix(suffix)


def _body_example(name: str, path: str) -> dict[str, Any] | None:
    from api.request_examples import COMMAND_ARGS, OTHER_BODIES

    if name in OTHER_BODIES:
        return OTHER_BODIES[name]
    if name not in COMMAND_ARGS:
        return None
    path_fields = set(re.findall(r"{(\w+)}", path))
    body = {k: v for k, v in COMMAND_ARGS[name].items() if k not in path_fields}
    return {"command_id": f"{name}:example-1", **body}


def enrich(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    schema["security"] = [{"bearerAuth": []}, {"apiKey": []}]
    seen: dict[str, int] = {}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            name = _operation_id(operation.get("operationId", ""), path, method)
            if name in seen:
                name = f"{path.split('/')[1]}_{name}"  # /fhir/Patient/{id}: fhir_read_patient
            seen[name] = 1
            operation["operationId"] = name
            responses = operation.setdefault("responses", {})
            for response in responses.values():  # files (PDF, xlsx, HTML): a binary string
                for media_type, content in response.get("content", {}).items():
                    if "json" not in media_type and not content.get("schema"):
                        content["schema"] = {"type": "string", "format": "binary"}
            codes = ["422", "500", "503"]
            if (path, method) in PUBLIC:
                operation["security"] = []
            else:
                codes += ["401", "403"]
            if "{" in path:
                codes.append("404")
            if method == "post":
                codes += ["409", "413"]
                created = responses.get("201")
                if created is not None and "200" not in responses:
                    responses["200"] = {
                        "description": "an idempotent retry (the same command id and payload): the first "
                        "call's body again, header Idempotency-Replayed: true; nothing is appended",
                        "content": created.get("content", {}),
                    }
                body = operation.get("requestBody", {}).get("content", {}).get("application/json")
                example = _body_example(name, path)
                if body is not None and example is not None:
                    body["example"] = example
            for code in sorted(codes):
                responses[code] = _problem(code)
    return schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = enrich(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
