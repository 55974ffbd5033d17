"""Table-driven: every command, every field, hostile values, through the single route and through a batch.

Both paths must refuse the same input with the same problem (status, type, title and the same
`{field, message}` list; the batch adds `index` and `command_id`), never answer 500, and write nothing
(the notification log's head does not move). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pydantic import BeforeValidator
from tests.api.role_client import ACCESS, bearer
from tests.commands.examples import EXAMPLES

from api.command_route import ROUTES
from api.main import create_app
from service.commands import COMMANDS, PolicyMeta
from service.commands import fields as f
from service.ledger import BenefitLedger
from service.settings import Settings

ADMIN = bearer("tok-admin")
DEEP: Any = "leaf"
for _ in range(600):
    DEEP = {"x": DEEP}
SUPERSCRIPT_ID = "¹¹⁰¹⁰⁵¹⁹⁴⁹⁰¹⁰¹¹⁰⁰⁴"  # 18 superscript digits: str.isdigit() is true for each
FULL_WIDTH_ID = "１１０１０５１９４９０１０１１００４"

TEXT_HOSTILE = ["a\x00b", "\x1b[2J", "bell\x07", "c1\x85", "\x7f", "\ud800", "x" * 501, 5, None]
HOSTILE: dict[Any, list[Any]] = {
    f._ref: ["a/b", "", "x" * 121, "a\x00b", " a", "a b", "中文", "a\n", 7, None],
    f._command_id: ["a b", "x" * 201, "\x00", "", "中", 5],
    f._money: [
        "1e3",
        "1_000",
        "+5",
        " 5 ",
        "５",
        "٥",
        "5\n",
        5.5,
        True,
        "12.345",
        "-1",
        "NaN",
        "Infinity",
        "0x10",
        None,
    ],
    f._measurement: ["1e3", True, "abc", "-1", "5,5"],
    f._quantity: ["0", "1e3", 1.5, True, "-1", "1234567", "0.0001", None],
    f._day: ["2018-1-1", "20180101", "2018-02-30", "1999-12-31", "2018-01-01T00:00:00", 20180101, "２０１８-01-01"],
    f._moment: ["2018-07-01T10:00:00", "2018-07-01", "tomorrow", "2018-07-01T10:00:00+25:00", 1530410400],
    f._flag: ["true", 1, "yes"],
    f.check_id_card_no: [SUPERSCRIPT_ID, FULL_WIDTH_ID, "11010519490101100", "1101051949010110X4", 110105194901011004],
    f._json_object: [[], "{}", {"a": 0.5}, {"a\x00": "1"}, {"a": "\x00"}, DEEP],
}


def _validators(annotation: Any) -> list[Any]:
    """The BeforeValidator functions of a field's annotation, looking through Optional and lists."""
    found = []
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, BeforeValidator):
            found.append(meta.func)
    for arg in typing.get_args(annotation):
        found += _validators(arg)
    return found


def _hostile_values(kind: type[Any], name: str) -> list[Any]:
    info = kind.model_fields[name]
    annotation = info.annotation if not info.metadata else typing.Annotated[info.annotation, *info.metadata]
    values: list[Any] = []
    for validator in _validators(annotation):
        values += HOSTILE.get(validator, [])
        if getattr(validator, "__qualname__", "").startswith("_text."):
            values += TEXT_HOSTILE
        if getattr(validator, "__qualname__", "").startswith("_integer."):
            values += ["2018", 2018.0, True, 10**12, -1]
        if getattr(validator, "__qualname__", "").startswith("_member_of."):
            values += ["galactic", "", 1]
    if typing.get_origin(info.annotation) is list:
        values += [[], ["1", "1"], "1", [None]]
    if not info.is_required():
        values = [v for v in values if v is not None]  # None is the default of an optional field
    return values


def _fits_a_url(name: str, field: str, value: Any) -> bool:
    """A path parameter is text without '/', and an integer one arrives as text (its JSON spelling differs)."""
    if "{" + field + "}" not in ROUTES[name]:
        return True
    if COMMANDS[name].model_fields[field].annotation is int:
        return False
    return isinstance(value, str) and value != "" and "/" not in value


def _cases() -> Iterator[Any]:
    for name, kind in COMMANDS.items():
        example = EXAMPLES[name]
        for field in kind.argument_fields():
            for value in _hostile_values(kind, field):
                if _fits_a_url(name, field, value):
                    yield pytest.param(name, (field,), value, id=f"{name}.{field}={value!r:.30}")
        nested = {"meta": PolicyMeta}
        for field, model in nested.items():
            if field not in example:
                continue
            for sub in model.model_fields:
                for value in _hostile_values(model, sub):
                    yield pytest.param(name, (field, sub), value, id=f"{name}.{field}.{sub}={value!r:.30}")
            yield pytest.param(name, (field, "colour"), "red", id=f"{name}.{field}.colour (unknown key)")
        yield pytest.param(name, ("colour",), "red", id=f"{name}.colour (unknown field)")
        yield pytest.param(name, ("command_id",), "a b", id=f"{name}.command_id='a b'")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.conftest import _drop_schema, postgres_server_or_skip

    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('hostile')}/ledger.db", None
    else:
        base = postgres_server_or_skip().split("?")[0]
        schema = "t_hostile_inputs"
        _drop_schema(base, schema)
        url, drop = f"{base}?schema={schema}", (base, schema)
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    with TestClient(create_app(ledger=ledger, access=ACCESS), raise_server_exceptions=False) as inner:
        yield inner, ledger
    ledger.close()
    if drop:
        _drop_schema(*drop)


def _single(client: TestClient, name: str, args: dict[str, Any], command_id: Any) -> Any:
    path = ROUTES[name]
    body = dict(args)
    for field in COMMANDS[name].model_fields:
        if "{" + field + "}" in path:
            path = path.replace("{" + field + "}", quote(str(body.pop(field)), safe=""))
    return _post(client, path, {"command_id": command_id, **body})


def _batch(client: TestClient, name: str, args: dict[str, Any], command_id: Any) -> Any:
    entry = {"command": name, "command_id": command_id, "args": args}
    return _post(client, "/batches", {"commands": [entry]})


def _post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    """JSON with every non-ASCII character escaped, so a lone surrogate travels as JSON allows (\\ud800)."""
    return client.post(path, content=json.dumps(body), headers={**ADMIN, "content-type": "application/json"})


def _set(args: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out = {**args}
    if len(path) == 1:
        out[path[0]] = value
    else:
        out[path[0]] = {**out[path[0]], path[1]: value}
    return out


def _shape(problem: dict[str, Any]) -> tuple[Any, ...]:
    errors = sorted((e["field"], e["message"]) for e in problem.get("errors", []))
    return problem["status"], problem["type"], problem["title"], errors


@pytest.mark.parametrize("name, path, value", list(_cases()))
def test_the_route_and_a_batch_refuse_the_same_input_with_the_same_problem(
    client: Any, name: str, path: tuple[str, ...], value: Any
) -> None:
    http, ledger = client
    command_id = value if path == ("command_id",) else f"hostile:{name}"
    args = EXAMPLES[name] if path == ("command_id",) else _set(EXAMPLES[name], path, value)
    before = ledger.recorder.max_notification_id()
    single, batch = _single(http, name, args, command_id), _batch(http, name, args, command_id)
    assert ledger.recorder.max_notification_id() == before, "a refused command wrote something"
    assert single.status_code == batch.status_code, (single.text, batch.text)
    assert 400 <= single.status_code < 500, single.text
    assert single.headers["content-type"].startswith("application/problem+json")
    one, many = single.json(), batch.json()
    assert _shape(one) == _shape(many), (one, many)
    assert many["index"] == 0 and many.get("command_id") == (command_id if isinstance(command_id, str) else None)
    assert many["detail"].endswith(one["detail"]), (one["detail"], many["detail"])
