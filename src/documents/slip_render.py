"""The settlement slip as HTML (print CSS, A4) and as PDF (WeasyPrint, the same HTML).

The HTML is self-contained (one inline stylesheet, no script, no external URL), so a saved copy
prints the same; the PDF embeds the CJK font it finds through fontconfig (Debian:
fonts-wqy-microhei). WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0).
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from documents.settlement_slip import SettlementSlip, yuan


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("documents", "templates"), autoescape=select_autoescape(["html"]))
    env.globals["yuan"] = yuan
    return env


def slip_html(slip: SettlementSlip, *, pdf_link: str | None = None) -> str:
    """The slip page; `pdf_link` adds a "下载 PDF" link (hidden when printed)."""
    page: str = _environment().get_template("settlement_slip.html").render(slip=slip, pdf_link=pdf_link)
    return page


def slip_pdf(slip: SettlementSlip) -> bytes:
    """The slip as a PDF (A4, one page for an ordinary settlement)."""
    from weasyprint import HTML  # imported on use: Pango is loaded only when a PDF is asked for

    pdf: bytes = HTML(string=slip_html(slip)).write_pdf()
    return pdf
