"""CSV for every report endpoint: `?format=csv` or `Accept: text/csv`, one shared renderer.

A report route is an ordinary JSON route on a router built with `route_class=CsvRoute` and the dependency
`CSV_FORMAT` (which declares and documents `format=json|csv`). When CSV is asked for, the JSON body the
route produced (already validated against its response model) is turned into a table:

* rows: the body's list of objects (`items`, `hospitals`, `events`, `townships`, `months`, ...; the first
  such list when there are several), or the body itself as one row when it has none, or what a route
  registered in `CSV_TABLES` gives (the bulletin: one row per figure, issued / now / change);
* columns: the body's scalar fields first (`county_code`, `year`, ...; the paging fields go to the headers
  `X-Total-Count` and `X-Next-Offset` instead), then every key of the rows in order of appearance; nested
  objects become dotted columns (`compensation_by_payer.ncms`), nested lists their JSON text;
* values exactly as in the JSON: money "84606.00", ratios "0.8876", null as an empty cell.

The file is UTF-8 with a byte-order mark (so Excel reads the Chinese names), RFC 4180 quoting, CRLF line ends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, Query, Request, Response
from fastapi.routing import APIRoute

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
PAGING = ("count", "limit", "offset", "next_offset")
CSV_TABLES: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {}  # route name -> rows of its CSV
CSV_RESPONSE: dict[str, Any] = {"text/csv": {"schema": {"type": "string"}}}


def wants_csv(request: Request) -> bool:
    chosen = request.query_params.get("format")
    if chosen is not None:
        return chosen == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept.split("text/csv")[0]


def _format(
    format: Annotated[
        Literal["json", "csv"] | None,
        Query(description="json (default) or csv (same as `Accept: text/csv`)"),
    ] = None,
) -> None:
    """Declares `format`; CsvRoute reads the choice off the request."""


CSV_FORMAT = Depends(_format)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        out[prefix] = orjson.dumps(value).decode()
    else:
        out[prefix] = value


def table(body: Any, rows: list[dict[str, Any]] | None = None) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, flat rows) of a JSON report body."""
    if not isinstance(body, dict):
        body = {"value": body}
    context = {k: v for k, v in body.items() if k not in PAGING and not isinstance(v, (dict, list))}
    if rows is None:
        lists = [k for k, v in body.items() if isinstance(v, list) and all(isinstance(i, dict) for i in v)]
        if lists:
            rows = body[lists[0]]
        else:
            rows = [{k: v for k, v in body.items() if k not in context}]
    flat = []
    for row in rows:
        out: dict[str, Any] = dict(context)
        _flatten(row, "", out)
        flat.append(out)
    columns = list(dict.fromkeys([*context, *(c for r in flat for c in r)]))
    return columns, flat


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def render_csv(body: Any, rows: list[dict[str, Any]] | None = None) -> bytes:
    """The one CSV renderer of the API."""
    columns, flat = table(body, rows)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(columns)
    for row in flat:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def csv_response(body: Any, name: str) -> Response:
    rows = CSV_TABLES[name](body) if name in CSV_TABLES else None
    headers = {"Vary": "Accept"}
    if isinstance(body, dict):
        if isinstance(body.get("count"), int):
            headers["X-Total-Count"] = str(body["count"])
        if isinstance(body.get("next_offset"), int):
            headers["X-Next-Offset"] = str(body["next_offset"])
    return Response(render_csv(body, rows), media_type=CSV_MEDIA_TYPE, headers=headers)


class CsvRoute(APIRoute):
    """A report route that answers CSV when asked (`?format=csv`, `Accept: text/csv`), JSON otherwise."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        responses = dict(kwargs.pop("responses", None) or {})
        ok = dict(responses.get(200, {}))
        other = [t for t in ok.get("content", {}) if "json" not in t]  # a file route (xlsx, PDF): no CSV
        self.csv = set(kwargs.get("methods") or ()) == {"GET"} and not other
        if self.csv:
            ok["content"] = {"application/json": {}, **ok.get("content", {}), **CSV_RESPONSE}
            responses[200] = ok
        super().__init__(path, endpoint, responses=responses, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        name = self.name
        if not self.csv:
            return handler

        async def route(request: Request) -> Response:
            response = await handler(request)
            if not wants_csv(request) or not response.media_type or "json" not in response.media_type:
                return response
            return csv_response(orjson.loads(bytes(response.body)), name)

        return route
