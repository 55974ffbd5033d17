"""The API's documentation pages, served with their assets by the ledger itself (no CDN: they work offline).

`GET /docs` is Swagger UI (with the Authorize button for the bearer token or X-API-Key), `GET /redoc` ReDoc,
both reading `/openapi.json`. Their scripts come from the npm registry at install time, pinned in
package-lock.json (swagger-ui-dist, redoc), copied by `make install` into `src/api/docs_assets/vendor/` and
served as `/docs/assets/{name}`; a missing file is a 503 problem saying to run `make install`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.exceptions import HTTPException as StarletteHTTPException

VENDOR = Path(__file__).parent / "docs_assets" / "vendor"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "swagger-ui.LICENSE.txt": "text/plain; charset=utf-8",
    "redoc.LICENSE.txt": "text/plain; charset=utf-8",
}
# the pages' own inline start-up script; everything else from this origin (ReDoc runs a worker from a blob)
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
    "'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
router = APIRouter(include_in_schema=False)


@router.get("/docs")
def read_swagger_ui() -> Response:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Patient-benefit ledger - API",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
        swagger_ui_parameters={"persistAuthorization": False, "displayOperationId": True},
    )
    return Response(bytes(page.body), media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@router.get("/redoc")
def read_redoc() -> Response:
    page = get_redoc_html(
        openapi_url="/openapi.json",
        title="Patient-benefit ledger - API",
        redoc_js_url="/docs/assets/redoc.standalone.js",
        redoc_favicon_url="/docs/assets/favicon-32x32.png",
        with_google_fonts=False,
    )
    return Response(bytes(page.body), media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@router.get("/docs/assets/{name}")
def read_docs_asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise StarletteHTTPException(404, f"no docs asset named {name!r}")
    if not (VENDOR / name).is_file():
        raise StarletteHTTPException(503, f"the docs asset {name} is not installed: run 'make install'")
    return Response(
        _read(name), media_type=media_type, headers={"Cache-Control": "public, max-age=86400", **PAGE_HEADERS}
    )


@cache
def _read(name: str) -> bytes:
    return (VENDOR / name).read_bytes()
