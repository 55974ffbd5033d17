"""A bulletin as a printable PDF (WeasyPrint, A4, as the settlement slip): issued figures, rankings and the
restatement against them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from documents.bulletin_document import RATES, label
from documents.bulletin_xlsx import county_rows
from documents.settlement_slip import china_time, yuan

SECTIONS = {"county": "全县", "hainan": "海南指标", "townships": "乡镇", "hospitals": "医疗机构"}


def show(figure: str, value: Any) -> str:
    """Decimal text as officials read it: money grouped with two places, ratios as percent (exact)."""
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    number = Decimal(str(value))
    if figure in RATES:
        return f"{number * 100:.2f} %"  # ratios have 4 places: x100 leaves 2, exactly
    if number == number.to_integral_value() and "." not in str(value):
        return f"{int(number):,}"
    return yuan(number)


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("documents", "templates"), autoescape=select_autoescape(["html"]))
    env.globals.update(label=label, show=show, sections=SECTIONS)
    return env


def bulletin_html(document: dict[str, Any]) -> str:
    now = dict(county_rows(document["current"]))
    county = [(figure, value, now.get(figure)) for figure, value in county_rows(document["issued"])]
    issued_at = china_time(datetime.fromisoformat(document["issued_at"]).isoformat())
    page: str = _environment().get_template("bulletin.html").render(doc=document, county=county, issued_at=issued_at)
    return page


def bulletin_pdf(document: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported on use: Pango is loaded only when a PDF is asked for

    pdf: bytes = HTML(string=bulletin_html(document)).write_pdf()
    return pdf
