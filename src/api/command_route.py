"""`command_route`: a write route from a command model, in one line per route.

    command_route(router, "/{admission_ref}/discharge", Discharge, WrittenPublic)

makes `POST /admissions/{admission_ref}/discharge` whose path parameters are the command's fields named
in the path and whose body is every other field of the command (generated from the model, so the body,
a batch entry and a JSON Lines line take the same fields under the same rules), plus `command_id`
(or an `Idempotency-Key` header). The route builds the command, checks it against the caller's role and
scope (the command class says which; api.access), hands it to `BenefitLedger.handle` and answers 201, or
200 with the same body when the command id is a replay. The command's docstring is the route's.
"""

from __future__ import annotations

import inspect
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, BeforeValidator, ConfigDict, create_model
from pydantic import ValidationError as PydanticValidationError
from starlette.concurrency import run_in_threadpool

from api.access import PrincipalDep, authorize_command, scope_lookup
from api.command_fast_path import CommandRoute
from api.deps import LedgerDep, answer
from service.commands import AddApiClient, Command, RegisterAdmission, RevokeApiClient, RotateApiClient, field_errors
from service.commands.fields import CommandId

IdempotencyKey = Annotated[CommandId | None, Header(alias="Idempotency-Key")]


KEY_COMMANDS = (AddApiClient, RevokeApiClient, RotateApiClient)
ROUTES: dict[str, str] = {}  # command name -> its route's path (router prefix included)


class CommandBody(BaseModel):
    """What every write route's body shares: the client's command id, unless an Idempotency-Key header gives it."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    command_id: CommandId | None = None
    """client id of this command; a retry reuses it (or send an Idempotency-Key header)"""


def body_model(command: type[Command], path_fields: tuple[str, ...] = ()) -> type[CommandBody]:
    """The request body of `command`'s route: its fields less those in the path, with the same types and rules."""
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in command.model_fields.items()
        if name not in ("command", "command_id", *path_fields)
    }
    model: type[CommandBody] = create_model(
        f"{command.__name__}Body", __base__=CommandBody, __doc__=command.__doc__, **fields
    )
    return model


def _from_path_text(value: object) -> object:
    """Path parameters arrive as text: digits become the integer an integer field expects."""
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10 else value


def _path_annotation(command: type[Command], name: str) -> Any:
    info = command.model_fields[name]
    annotation: Any = Annotated[info.annotation, *info.metadata]
    if info.annotation is int:
        annotation = Annotated[annotation, BeforeValidator(_from_path_text)]
    return Annotated[annotation, Path()]


def command_route(
    router: APIRouter,
    path: str,
    command: type[Command],
    response_model: type[BaseModel],
    *,
    status_code: int = 201,
) -> None:
    """Add `POST <router prefix><path>` running `command` (see the module docstring)."""
    path_fields = tuple(re.findall(r"{(\w+)}", path))
    unknown = [name for name in path_fields if name not in command.model_fields]
    if unknown:
        raise TypeError(f"{path}: {', '.join(unknown)} is not a field of {command.__name__}")
    body_type = body_model(command, path_fields)

    async def endpoint(**kwargs: Any) -> Any:
        """On the event loop: FastAPI then checks the answer against the response model there, instead of in a
        second worker thread. Building, authorising and handling the command run in one worker thread."""
        body: CommandBody = kwargs.pop("body")
        principal, ledger, response = kwargs.pop("principal"), kwargs.pop("ledger"), kwargs.pop("response")
        request: Request = kwargs.pop("request")
        idempotency_key = kwargs.pop("idempotency_key")
        return await execute(request, response, body, principal, ledger, idempotency_key, kwargs)

    async def execute(
        request: Request,
        response: Response,
        body: CommandBody,
        principal: Any,
        ledger: Any,
        idempotency_key: str | None,
        path_values: dict[str, Any],
    ) -> Any:
        """The endpoint's work once its inputs are known (also api.command_fast_path's, with the same inputs)."""
        built, result = await run_in_threadpool(run, body, idempotency_key, principal, ledger, path_values)
        if isinstance(built, KEY_COMMANDS):  # this server refuses a revoked or rotated key on the next request
            invalidate = getattr(request.app.state.access, "invalidate", None)
            if invalidate is not None:
                invalidate()
        return answer(response, result)

    def run(
        body: CommandBody, idempotency_key: str | None, principal: Any, ledger: Any, kwargs: dict[str, Any]
    ) -> tuple[Command, dict[str, Any]]:
        command_id = _command_id(body, idempotency_key)
        values = {name: getattr(body, name) for name in body.model_fields_set if name != "command_id"}
        try:
            built = command.model_validate({**values, **kwargs, "command_id": command_id})
        except PydanticValidationError as exc:
            raise RequestValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ("path" if e["field"] in path_fields else "body", *e["field"].split(".")),
                        "msg": e["message"],
                        "input": None,
                        "ctx": {"error": e["message"]},
                    }
                    for e in field_errors(exc)
                ]
            ) from None
        authorize_command(principal, ledger, built)
        result = ledger.handle(built)
        if isinstance(built, RegisterAdmission):  # handled and committed: its hospital is fixed from now on
            scope_lookup(ledger).registered(built.admission_ref, built.hospital_code)
        return built, result

    parameters = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=_path_annotation(command, name))
        for name in path_fields
    ]
    parameters += [
        inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[body_type, Body()]),
        inspect.Parameter("ledger", inspect.Parameter.KEYWORD_ONLY, annotation=LedgerDep),
        inspect.Parameter("principal", inspect.Parameter.KEYWORD_ONLY, annotation=PrincipalDep),
        inspect.Parameter("response", inspect.Parameter.KEYWORD_ONLY, annotation=Response),
        inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter("idempotency_key", inspect.Parameter.KEYWORD_ONLY, annotation=IdempotencyKey, default=None),
    ]
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = command.command_name()
    endpoint.__doc__ = command.__doc__
    endpoint.direct_execute = execute  # type: ignore[attr-defined]
    ROUTES[command.command_name()] = router.prefix + path
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        status_code=status_code,
        response_model=response_model,
        route_class_override=CommandRoute,
        name=command.command_name(),
        summary=command.command_name().replace("_", " ").capitalize(),
    )


def _command_id(body: CommandBody, idempotency_key: str | None) -> str:
    """The body's command id, else the header's; both given must agree."""
    if body.command_id and idempotency_key and body.command_id != idempotency_key:
        _refuse("command_id", "differs from the Idempotency-Key header; send one id")
    command_id = body.command_id or idempotency_key
    if not command_id:
        _refuse("command_id", "give command_id in the body or an Idempotency-Key header")
    assert command_id is not None
    return command_id


def _refuse(field: str, message: str) -> None:
    raise RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": None, "ctx": {"error": message}}]
    )
