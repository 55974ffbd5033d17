"""The county dashboard web page: `GET /dashboard` (HTML) and its assets under `/dashboard/assets/{name}`.

The page is a static shell (src/api/dashboard_assets: HTML, CSS, JS; no CDN, no external URL; charts by
Apache ECharts, which `make install` copies from the npm package into dashboard_assets/vendor/ and this
module serves): it holds no data, so it is served without a token. Its script reads the JSON
report endpoints with `Authorization: Bearer <token>` (token from the URL fragment `#token=...`, kept
in sessionStorage, or typed into the page's form) and shows only aggregates. County and year come from
the query string (`/dashboard?county=341821&year=2018`, those by default). See docs/dashboard.md.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

ASSETS = Path(__file__).with_name("dashboard_assets")
MEDIA_TYPES = {
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "figures.js": "text/javascript; charset=utf-8",
    "messages.js": "text/javascript; charset=utf-8",
    "token.js": "text/javascript; charset=utf-8",
}
VENDOR = ASSETS / "vendor"
VENDORED = {"echarts.min.js": "text/javascript; charset=utf-8"}  # from the npm package echarts (make install)
# the page may load its own assets and call this API only; no inline script, nothing from elsewhere
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

VENDOR_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"}  # pinned by package-lock.json

router = APIRouter(tags=["dashboard"], include_in_schema=False)


@cache
def _asset(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


@router.get("/dashboard")
def read_dashboard_page() -> Response:
    """The dashboard's HTML shell (no data in it: the script fetches the reports with the user's token)."""
    return Response(_asset("index.html"), media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


@router.get("/dashboard/assets/{name}")
def read_dashboard_asset(name: str) -> Response:
    """One of the page's own stylesheets or scripts, or the chart library (a fixed list: nothing else is served)."""
    if name in VENDORED:
        if not (VENDOR / name).is_file():
            raise StarletteHTTPException(
                503, f"the chart library {name} is not installed: run 'make install' (npm ci copies it from echarts)"
            )
        return Response(_vendored(name), media_type=VENDORED[name], headers=VENDOR_HEADERS)
    media_type = MEDIA_TYPES.get(name)
    if media_type is None:
        raise StarletteHTTPException(404, f"no dashboard asset named {name!r}")
    return Response(_asset(name), media_type=media_type, headers=SECURITY_HEADERS)


@cache
def _vendored(name: str) -> bytes:
    return (VENDOR / name).read_bytes()
