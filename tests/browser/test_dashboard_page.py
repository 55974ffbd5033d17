"""The dashboard page in a real headless Chromium, at desktop (1280 px) and phone (390 px) width: the rendered
DOM shows the figures the report endpoints return (fetched here from the same server with the same token,
never hard-coded), the screenshots show the ECharts charts drawn inside their boxes, nothing sticks out of
a phone screen, and failures (no token, a bad one, a bad address, an unknown county) are said in Chinese."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from dashboard_server import DASHBOARD_TOKEN, Served
from dom_reader import Element, parse
from headless_chromium import dump_dom, render
from png_reader import Image, read_png

COUNTY, YEAR = "341821", 2018
HEADLINE = {
    "person_times": "count",
    "inpatient_times": "count",
    "total_cost": "money",
    "compensation": "money",
    "patient_share": "money",
    "hospital_borne": "money",
    "actual_compensation_ratio": "ratio",
    "in_county_visit_rate": "ratio",
    "in_province_inpatient_ratio": "ratio",
    "follow_ups": "count",
    "major_disease_treatment_rate": "ratio",
    "chronic_contract_rate": "ratio",
    "health_card_rate": "ratio",
    "check_up_rate": "ratio",
    "poor_contract_rate": "ratio",
    "follow_up_schedule_rate": "ratio",
}
RETRO = {
    "outstanding": "money",
    "settlements_outstanding": "count",
    "patients_outstanding": "count",
    "owed": "money",
    "paid": "money",
}
PAYER_COLOURS = {
    "ncms": "#1f6fb2",
    "cii": "#2e9d5b",
    "ma": "#d98c1f",
    "b351": "#8e44ad",
    "s180": "#c0392b",
    "s5090": "#16a2b8",
    "reassist": "#6b7a1f",
}
TOWNSHIP_COLOUR, THIS_YEAR_COLOUR = "#0f766e", "#c2410c"
DESKTOP, PHONE = (1280, 2300), (390, 5800)


def shown(kind: str, value: Any) -> str:
    """How the page must print an API value: grouped money and counts, ratios as percentages, no rounding."""
    if value is None:
        return "–"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "count":
        return f"{value:,}"
    return f"{Decimal(value) * 100:.2f} %"


def change(value: Any) -> str:
    text = f"{Decimal(value):,.2f}"
    return text if text.startswith("-") or Decimal(value) == 0 else f"+{text}"


def address(query: str = f"county={COUNTY}&year={YEAR}", fragment: str = f"#token={DASHBOARD_TOKEN}") -> str:
    return f"/dashboard?{query}{fragment}"


def page(chromium: str, served: Served, path: str = address()) -> Element:
    return parse(dump_dom(chromium, served.url + path, *DESKTOP))


def rgb(hex_colour: str) -> tuple[int, int, int]:
    r, g, b = bytes.fromhex(hex_colour.lstrip("#"))
    return r, g, b


def colours_in(image: Image, box: str) -> Counter[tuple[int, int, int]]:
    """The colours of the screenshot's pixels inside a chart's data-box (left, top, width, height)."""
    left, top, width, height = (int(n) for n in box.split(","))
    assert left >= 0 and width > 100 and height > 100 and left + width <= image.width, box
    counts: Counter[tuple[int, int, int]] = Counter()
    for row in image.pixels[top : top + height]:
        part = row[3 * left : 3 * (left + width)]
        counts.update(zip(part[0::3], part[1::3], part[2::3]))
    return counts


def near(counts: Counter[tuple[int, int, int]], colour: str, tolerance: int = 24) -> int:
    """Pixels within `tolerance` of a colour on every channel (a line is drawn anti-aliased)."""
    target = rgb(colour)
    return sum(n for c, n in counts.items() if all(abs(a - b) <= tolerance for a, b in zip(c, target)))


def assert_figures(section: Element, kinds: dict[str, str], source: dict[str, Any]) -> None:
    for key, kind in kinds.items():
        value = section.one("div", data_figure=key).one("dd")
        assert (value.attrs["data-value"], value.text) == (
            "" if source[key] is None else str(source[key]),
            shown(kind, source[key]),
        ), key


def cells(row: Element) -> list[str]:
    return [cell.text for cell in row.find_all("td")]


def test_the_page_shows_the_county_figures_the_reports_return(chromium: str, served: Served) -> None:
    base = f"/reports/counties/{COUNTY}/{YEAR}"
    year = served.get(base)
    townships = served.get(f"{base}/townships")["townships"]
    trend = served.get(f"{base}/trend")["months"]
    restated = served.get(f"{base}/restatements")["restatements"]
    retro = served.get("/reports/retroactive-compensation/summary", county_code=COUNTY)
    hospitals = served.get("/reports/hospitals")["hospitals"]
    reference = served.get(f"/reports/reference-reports/{COUNTY}")
    to_july = served.get(base, month=7, cumulative="true")
    dom = page(chromium, served)
    assert dom.one("body").attrs["data-state"] == "ready", dom.one("p", id="status").text
    assert dom.one("html").attrs["lang"] == "zh-CN"
    assert (dom.one("b", id="county-code").text, dom.one("b", id="year").text) == (COUNTY, str(YEAR))
    assert dom.one("b", id="period-name").text == "全年"

    assert_figures(dom.one("dl", id="headline"), HEADLINE, year)
    payer_rows = dom.one("table", id="payer-table").find_all("tr", data_payer=None)
    assert [(r.attrs["data-payer"], cells(r)[1]) for r in payer_rows] == [
        (payer, shown("money", amount)) for payer, amount in year["compensation_by_payer"].items()
    ]

    # townships: one row each, in the report's order, adding up to the county
    rows = dom.one("table", id="township-table").find_all("tr", data_township=None)
    assert [cells(r) for r in rows] == [
        [
            t["township"],
            shown("count", t["person_times"]),
            shown("money", t["total_cost"]),
            shown("money", t["compensation"]),
            shown("ratio", t["actual_compensation_ratio"]),
        ]
        for t in townships
    ]
    assert sum(Decimal(t["compensation"]) for t in townships) == Decimal(year["compensation"])

    # month by month with the year before and the restated months flagged
    restated_months = {r["month"] for r in restated}
    assert restated_months == {2, 5}  # the retroactive "5090" version restated February and May
    month_rows = dom.one("table", id="month-table").find_all("tr", data_month=None)
    with_data = [m for m in trend if m["this_year"] or m["last_year"]]
    assert len(with_data) >= 3 and [r.attrs["data-month"] for r in month_rows] == [str(m["month"]) for m in with_data]
    for row, month in zip(month_rows, with_data):
        now = month["this_year"]
        assert cells(row) == [
            f"{month['month']}月",
            shown("count", now["person_times"]),
            shown("money", now["total_cost"]),
            shown("money", now["compensation"]),
            shown("ratio", now["actual_compensation_ratio"]),
            "–",  # the scenario has no 2017
            "–",
            "已追溯调整" if month["month"] in restated_months else "",
        ]
        assert ("restated" in row.attrs.get("class", "")) == (month["month"] in restated_months)
    restated_rows = dom.one("table", id="restated-table").find_all("tr", data_month=None)
    assert [(cells(r)[0], cells(r)[2], cells(r)[3], cells(r)[4]) for r in restated_rows] == [
        (f"{r['month']}月", str(r["settlements"]), change(r["compensation_change"]), change(r["patient_share_change"]))
        for r in restated
    ]

    # the Langxi report beside the ledger's January-July figures
    card = dom.one("section", id="reference-card")
    assert "hidden" not in card.attrs and "2018年1-7月" in card.one("h2").text
    by_figure = {r.attrs["data-figure"]: cells(r) for r in card.find_all("tr", data_figure=None)}
    assert by_figure["total_cost"][1:3] == [shown("money", to_july["total_cost"]), "15,050,500.00"]
    assert by_figure["actual_compensation_ratio"][1:3] == [
        shown("ratio", to_july["actual_compensation_ratio"]),
        "88.76 %",
    ]
    assert by_figure["ncms"][1:3] == [shown("money", to_july["compensation_by_payer"]["ncms"]), "10,717,800.00"]
    assert by_figure["reassist"][2] == "未报告"
    assert Decimal(by_figure["total_cost"][3]) == (
        Decimal(to_july["total_cost"]) / Decimal(reference["figures"]["total_cost"])
    ).quantize(Decimal("0.001"))

    assert_figures(dom.one("dl", id="retro"), RETRO, retro)
    hospital_rows = dom.one("table", id="hospital-table").find_all("tr", data_hospital=None)
    assert [(r.attrs["data-hospital"], cells(r)[-1]) for r in hospital_rows] == [
        (h["hospital_code"], shown("money", h["balance"])) for h in hospitals
    ]
    for chart in ("payer-chart", "township-chart", "trend-chart"):
        drawn = dom.one("div", id=chart)
        assert drawn.attrs.get("data-rendered") == "echarts" and drawn.find_all("canvas"), chart


@pytest.mark.parametrize(
    "query, params, name",
    [
        ("period=q2", {"quarter": 2}, "第二季度"),
        ("period=m5&cumulative=1", {"month": 5, "cumulative": "true"}, "年初至5月末累计"),
        ("period=m2", {"month": 2}, "2月"),
    ],
)
def test_the_period_selector_reads_that_month_or_quarter(
    chromium: str, served: Served, query: str, params: dict, name: str
) -> None:
    base = f"/reports/counties/{COUNTY}/{YEAR}"
    figures = served.get(base, **params)
    townships = served.get(f"{base}/townships", **params)["townships"]
    dom = page(chromium, served, address(f"county={COUNTY}&year={YEAR}&{query}"))
    assert dom.one("body").attrs["data-state"] == "ready", dom.one("p", id="status").text
    assert dom.one("b", id="period-name").text == name
    assert_figures(dom.one("dl", id="headline"), HEADLINE, figures)
    rows = dom.one("table", id="township-table").find_all("tr", data_township=None)
    assert [cells(r)[3] for r in rows] == [shown("money", t["compensation"]) for t in townships]
    selected = [o for o in dom.one("select", id="period-input").find_all("option") if "selected" in o.attrs]
    assert len(dom.one("select", id="period-input").find_all("option")) == 17 and not selected  # set by script


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_screenshot_shows_every_chart_and_nothing_is_cut(
    chromium: str, served: Served, size: tuple[int, int]
) -> None:
    rendered = render(chromium, served.url + address(), *size, mobile=size[0] < 500)  # one load: DOM and picture
    dom = parse(rendered.dom)
    body = dom.one("body")
    assert body.attrs["data-state"] == "ready"
    assert body.attrs["data-viewport-width"] == str(size[0])
    assert int(body.attrs["data-scroll-width"]) <= size[0], "the page scrolls sideways"
    assert body.attrs["data-outside"] == "0", "an element sticks out of the window"
    image = read_png(rendered.png)
    assert (image.width, image.height) == size
    everything = image.colours()
    assert len(everything) > 200 and everything.most_common(1)[0][1] < 0.8 * image.width * image.height, "blank"

    year = served.get(f"/reports/counties/{COUNTY}/{YEAR}")["compensation_by_payer"]
    payers = colours_in(image, dom.one("div", id="payer-chart").attrs["data-box"])
    drawn = [p for p, amount in year.items() if Decimal(amount) > 0]
    assert len(drawn) >= 4
    for payer in drawn:  # each paying payer's bar, in its own colour, inside the chart
        assert payers[rgb(PAYER_COLOURS[payer])] >= 10, payer  # the smallest is a sliver at 390 px
    largest = max(drawn, key=lambda p: Decimal(year[p]))
    assert payers[rgb(PAYER_COLOURS[largest])] >= 10 * 18, "the largest bar is not long"
    townships = colours_in(image, dom.one("div", id="township-chart").attrs["data-box"])
    assert townships[rgb(TOWNSHIP_COLOUR)] >= 10 * 18
    trend = colours_in(image, dom.one("div", id="trend-chart").attrs["data-box"])
    assert near(trend, THIS_YEAR_COLOUR) >= 300, "the year's line is not drawn"
    assert near(payers, THIS_YEAR_COLOUR) == 0, "the line is not where the trend chart is"

    # the figures' text is on the page at this width too
    headline = dom.one("dl", id="headline")
    assert headline.one("div", data_figure="compensation").one("dd").text == shown(
        "money", served.get(f"/reports/counties/{COUNTY}/{YEAR}")["compensation"]
    )


def test_the_page_shows_no_patient_ref_and_not_the_token(chromium: str, served: Served) -> None:
    html = dump_dom(chromium, served.url + address())
    assert 'data-state="ready"' in html
    assert not re.search(r"P-5090|P00\d", html), "a patient or admission ref reached the page"
    assert DASHBOARD_TOKEN not in html


def test_without_a_token_or_with_a_bad_one_the_page_says_so_in_chinese(chromium: str, served: Served) -> None:
    for fragment, reason in (("", "尚未登录（401）"), ("#token=not-a-token", "令牌无效或已被吊销（401）")):
        dom = page(chromium, served, address(fragment=fragment))
        status = dom.one("p", id="status").text
        assert dom.one("body").attrs["data-state"] == "denied" and status.startswith(reason), status
        assert "令牌" in status and not dom.one("dl", id="headline").children


def test_an_unknown_county_shows_no_data(chromium: str, served: Served) -> None:
    dom = page(chromium, served, address("county=999999&year=2018"))
    status = dom.one("p", id="status").text
    assert dom.one("body").attrs["data-state"] == "empty" and status.startswith("无数据"), status
    assert not dom.one("dl", id="headline").children


def test_a_bad_address_is_refused_on_the_page_and_reads_nothing(chromium: str, served: Served) -> None:
    def county_reads() -> float:
        return sum(
            sample.value
            for metric in served.metrics.collect()
            for sample in metric.samples
            if sample.name == "ledger_http_requests_total" and sample.labels["route"].startswith("/reports/counties/")
        )

    before = county_reads()
    for query, says in (
        (f"county={COUNTY}&year=20x8", "年份应在 2000 至 2100 之间"),
        ("county=34%2F18&year=2018", "县代码应为区划代码"),
        (f"county={COUNTY}&year=2018&period=m13", "期间应为全年"),
    ):
        dom = page(chromium, served, address(query))
        status = dom.one("p", id="status").text
        assert dom.one("body").attrs["data-state"] == "invalid" and says in status and "地址有误" in status, status
    assert county_reads() == before

    defaults = page(chromium, served, address(""))
    assert defaults.one("body").attrs["data-state"] == "ready"
    assert (defaults.one("b", id="county-code").text, defaults.one("b", id="year").text) == (COUNTY, str(YEAR))
