"""The dashboard page in a real headless Chromium: the rendered DOM shows the figures the report endpoints
return (fetched here from the same server with the same token, never hard-coded), the screenshot shows the
charts, and a missing or bad token or a bad address is said plainly on the page."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from dashboard_server import DASHBOARD_TOKEN, Served
from dom_reader import Element, parse
from headless_chromium import dump_dom, screenshot
from png_reader import read_png

COUNTY, YEAR = "341821", 2018
HEADLINE = {
    "person_times": "count",
    "inpatient_times": "count",
    "total_cost": "money",
    "compensation": "money",
    "patient_share": "money",
    "actual_compensation_ratio": "ratio",
    "in_county_visit_rate": "ratio",
    "in_province_inpatient_ratio": "ratio",
    "hospital_borne": "money",
    "follow_ups": "count",
    "major_disease_treatment_rate": "ratio",
    "chronic_contract_rate": "ratio",
}
RETRO = {
    "outstanding": "money",
    "settlements_outstanding": "count",
    "patients_outstanding": "count",
    "owed": "money",
    "paid": "money",
}
BAR_WIDTH = Decimal("230")  # charts.js: the longest bar


def shown(kind: str, value: Any) -> str:
    """How the page must print an API value: grouped money and counts, ratios as percentages, no rounding."""
    if value is None:
        return "–"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "count":
        return f"{value:,}"
    return f"{Decimal(value) * 100:.2f} %"


def page(
    chromium: str,
    served: Served,
    query: str = f"county={COUNTY}&year={YEAR}",
    fragment: str = f"#token={DASHBOARD_TOKEN}",
) -> Element:
    return parse(dump_dom(chromium, f"{served.url}/dashboard?{query}{fragment}"))


def assert_figures(section: Element, kinds: dict[str, str], source: dict[str, Any]) -> None:
    for key, kind in kinds.items():
        value = section.one("div", data_figure=key).one("dd")
        assert (value.attrs["data-value"], value.text) == (
            "" if source[key] is None else str(source[key]),
            shown(kind, source[key]),
        ), key


def test_the_page_shows_the_county_figures_the_reports_return(chromium: str, served: Served) -> None:
    year = served.get(f"/reports/counties/{COUNTY}/{YEAR}")
    months = [served.get(f"/reports/counties/{COUNTY}/{YEAR}", month=m) for m in range(1, 13)]
    retro = served.get("/reports/retroactive-compensation/summary", county_code=COUNTY)
    hospitals = served.get("/reports/hospitals")["hospitals"]
    dom = page(chromium, served)
    body = dom.one("body")
    assert body.attrs["data-state"] == "ready", dom.one("p", id="status").text
    assert (dom.one("b", id="county-code").text, dom.one("b", id="year").text) == (COUNTY, str(YEAR))

    assert_figures(dom.one("dl", id="headline"), HEADLINE, year)

    # One bar per payer, labelled with its exact amount, its length proportional to the amount.
    payers = year["compensation_by_payer"]
    largest = max(Decimal(amount) for amount in payers.values())
    assert largest > 0
    for payer, amount in payers.items():
        assert dom.one("text", data_payer=payer).text == shown("money", amount)
        width = Decimal(dom.one("rect", data_payer=payer).attrs["width"])
        assert abs(width - Decimal(amount) / largest * BAR_WIDTH) <= Decimal("0.05"), (payer, width)

    # The ratio over the months that have data: a point and a table row each, nothing for the others.
    with_data = [m for m in months if m["person_times"] > 0]
    assert len(with_data) >= 3 and all(m["month"] for m in with_data)
    rows = dom.one("table", id="month-table").find_all("tr", data_month=None)
    assert [row.attrs["data-month"] for row in rows] == [str(m["month"]) for m in with_data]
    for row, month in zip(rows, with_data):
        assert [cell.text for cell in row.find_all("td")] == [
            str(month["month"]),
            shown("count", month["person_times"]),
            shown("money", month["total_cost"]),
            shown("money", month["compensation"]),
            shown("ratio", month["actual_compensation_ratio"]),
        ]
    chart = dom.one("div", id="ratio-chart")
    plotted = [m for m in with_data if m["actual_compensation_ratio"] is not None]
    assert [c.attrs["data-month"] for c in chart.find_all("circle")] == [str(m["month"]) for m in plotted]
    assert [t.text for t in chart.find_all("text", data_month=None)] == [
        shown("ratio", m["actual_compensation_ratio"]) for m in plotted
    ]
    assert len(chart.find_all("polyline")) == 1

    # Retroactive compensation: the aggregate only (the scenario leaves some owed).
    assert Decimal(retro["outstanding"]) > 0 and retro["settlements_outstanding"] > 0
    assert_figures(dom.one("dl", id="retro"), RETRO, retro)

    hospital_rows = dom.one("table", id="hospital-table").find_all("tr", data_hospital=None)
    assert [(r.attrs["data-hospital"], r.find_all("td")[-1].text) for r in hospital_rows] == [
        (h["hospital_code"], shown("money", h["balance"])) for h in hospitals
    ]


def test_the_page_shows_no_patient_ref_and_not_the_token(chromium: str, served: Served) -> None:
    html = dump_dom(chromium, f"{served.url}/dashboard?county={COUNTY}&year={YEAR}#token={DASHBOARD_TOKEN}")
    assert 'data-state="ready"' in html
    assert not re.search(r"P-5090|P00\d", html), "a patient or admission ref reached the page"
    assert DASHBOARD_TOKEN not in html


def test_the_screenshot_shows_the_payer_bars_and_the_ratio_line(chromium: str, served: Served, tmp_path: Path) -> None:
    dom = page(chromium, served)
    image = read_png(
        screenshot(
            chromium,
            f"{served.url}/dashboard?county={COUNTY}&year={YEAR}#token={DASHBOARD_TOKEN}",
            tmp_path / "dashboard.png",
        )
    )
    assert (image.width, image.height) == (1280, 900)
    colours = image.colours()
    assert len(colours) > 200, "a blank or nearly blank screenshot"
    assert colours.most_common(1)[0][1] < 0.8 * image.width * image.height

    def rgb(hex_colour: str) -> tuple[int, int, int]:
        r, g, b = bytes.fromhex(hex_colour.lstrip("#"))
        return r, g, b

    bars = [(rect.attrs["fill"], Decimal(rect.attrs["width"])) for rect in dom.find_all("rect", data_payer=None)]
    assert len({fill for fill, _ in bars}) == len(bars) and sum(1 for _, width in bars if width >= 3) >= 3
    for fill, width in bars:
        if width < 3:
            continue
        box = image.box(rgb(fill))  # the bar (18 px high) is the one solid patch of its colour on the page
        assert box is not None, f"no pixel of the bar colour {fill}"
        left, top, right, bottom, count = box
        assert abs((right - left + 1) - width) <= 1 and bottom - top + 1 in (18, 19), (fill, width, box)
        assert count >= (right - left - 1) * (bottom - top - 1), f"the {fill} patch is not a solid bar: {box}"
    line = image.box(rgb(dom.one("div", id="ratio-chart").one("polyline").attrs["stroke"]))
    assert line is not None and line[2] - line[0] > 100 and line[4] >= 200, f"the ratio line is not on screen: {line}"


def test_without_a_token_or_with_a_bad_one_the_page_says_so(chromium: str, served: Served) -> None:
    for fragment, reason in (("", "Not signed in (401"), ("#token=not-a-token", "The token was refused (401")):
        dom = page(chromium, served, fragment=fragment)
        status = dom.one("p", id="status").text
        assert dom.one("body").attrs["data-state"] == "denied" and status.startswith(reason), status
        assert "token" in status and not dom.one("dl", id="headline").children


def test_a_bad_address_is_refused_on_the_page_and_reads_nothing(chromium: str, served: Served) -> None:
    def county_reads() -> float:
        return sum(
            sample.value
            for metric in served.metrics.collect()
            for sample in metric.samples
            if sample.name == "ledger_http_requests_total"
            and sample.labels["route"] == "/reports/counties/{county_code}/{year}"
        )

    before = county_reads()
    for query, says in ((f"county={COUNTY}&year=20x8", "year must be"), ("county=34%2F18&year=2018", "county must")):
        dom = page(chromium, served, query=query)
        status = dom.one("p", id="status").text
        assert dom.one("body").attrs["data-state"] == "invalid" and says in status, status
    assert county_reads() == before

    defaults = page(chromium, served, query="")
    assert defaults.one("body").attrs["data-state"] == "ready"
    assert (defaults.one("b", id="county-code").text, defaults.one("b", id="year").text) == (COUNTY, str(YEAR))
