"""The dashboard's static shell over HTTP: served without a token, with a strict content security policy,
only its own listed assets and the chart library installed from the npm package (never a CDN), and nothing
in it that would fetch from outside (the network is closed)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_server import dashboard_app
from fastapi.testclient import TestClient

from api.dashboard_page import ASSETS, MEDIA_TYPES, VENDOR, VENDORED
from service.ledger import BenefitLedger
from service.settings import Settings

SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # an XML namespace name, never fetched


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    ledger = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{tmp_path}/ledger.db"))
    try:
        with TestClient(dashboard_app(ledger)) as test_client:
            yield test_client
    finally:
        ledger.close()


def test_the_page_and_its_assets_are_served_without_a_token(client: TestClient) -> None:
    page = client.get("/dashboard")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy and "script-src 'self'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    referenced = re.findall(r'(?:src|href)="/dashboard/assets/([^"]+)"', page.text)
    assert referenced == ["dashboard.css", "echarts.min.js", "dashboard.js"]
    for name, media_type in MEDIA_TYPES.items():
        asset = client.get(f"/dashboard/assets/{name}")
        assert (asset.status_code, asset.headers["content-type"]) == (200, media_type), name
        assert asset.content == (ASSETS / name).read_bytes()
    assert client.get("/reports/counties/341821/2018").status_code == 401  # the data itself needs a token


def test_the_chart_library_is_the_pinned_npm_package(client: TestClient) -> None:
    """ECharts as `make install` copied it from the npm package pinned in package-lock.json."""
    root = Path(__file__).resolve().parents[2]
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/echarts"]
    assert pinned["license"] == "Apache-2.0" and pinned["integrity"].startswith("sha512-")  # npm ci checks it
    installed = json.loads((root / "node_modules/echarts/package.json").read_text(encoding="utf-8"))
    assert installed["version"] == pinned["version"] and installed["license"] == "Apache-2.0"
    library = client.get("/dashboard/assets/echarts.min.js")
    assert library.status_code == 200 and library.headers["content-type"] == VENDORED["echarts.min.js"]
    assert library.content == (root / "node_modules/echarts/dist/echarts.min.js").read_bytes()
    assert (VENDOR / "echarts.LICENSE.txt").is_file()


def test_every_script_import_is_a_listed_asset(client: TestClient) -> None:
    for name in (n for n in MEDIA_TYPES if n.endswith(".js")):
        for imported in re.findall(r'from "\./([^"]+)"', (ASSETS / name).read_text(encoding="utf-8")):
            assert imported in MEDIA_TYPES, f"{name} imports {imported}, which is not served"


def test_nothing_outside_the_asset_list_is_served(client: TestClient) -> None:
    for name in ("index.html.bak", "..%2Fmetrics.py", "%2E%2E%2Fdashboard_page.py", "missing.js"):
        response = client.get(f"/dashboard/assets/{name}")
        assert response.status_code == 404 and response.headers["content-type"].startswith("application/problem+json")
    assert client.get("/dashboard/assets/../metrics.py").status_code == 404


def test_the_assets_hold_no_external_url_and_no_inline_script() -> None:
    files = sorted(f for f in ASSETS.iterdir() if f.is_file())  # our own files; vendor/ holds the library
    assert {f.name for f in files} == {"index.html", *MEDIA_TYPES}
    for path in files:
        text = path.read_text(encoding="utf-8").replace(SVG_NAMESPACE, "")
        assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\(", text, re.IGNORECASE), path.name
    html = (ASSETS / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script (the CSP would block it)"
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE), "an inline event handler (the CSP would block it)"
