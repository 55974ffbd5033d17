"""`ledger bulletin COUNTY PERIOD --issue --out FILE`: issues once (idempotent), writes xlsx, PDF or CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from cli_support import assert_one_line_error, head, opened
from openpyxl import load_workbook
from tests.documents.pdf_tools import pdf_text

from projections.county_dashboard import county_dashboard
from projections.report_reader import reader_for


def test_issue_and_write_the_bulletin_in_three_formats(invoke, worked_store: str, tmp_path: Path) -> None:
    xlsx = tmp_path / "b.xlsx"
    result = invoke("bulletin", "341821", "2018-Q2", "--issue", "--out", str(xlsx))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"wrote the bulletin 341821 2018-Q2 (xlsx, as issued) to {xlsx}\n"
    position = head(worked_store)
    again = invoke("bulletin", "341821", "2018-Q2", "--issue", "--out", str(tmp_path / "b.csv"))
    assert again.exit_code == 0 and head(worked_store) == position  # issued once
    with opened(worked_store) as ledger:
        views, _ = reader_for(ledger).fresh()
        county = county_dashboard(views, "341821", 2018, quarter=2)
    summary = {row[1]: row for row in load_workbook(xlsx)["概况"].iter_rows(min_row=2, values_only=True)}
    assert Decimal(repr(summary["compensation"][2])).quantize(Decimal("0.01")) == county["compensation"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "b.csv").read_text(encoding="utf-8-sig"))))
    figures = {(r["section"], r["figure"]): r for r in rows if r["section"] == "county"}
    assert Decimal(figures[("county", "compensation")]["issued"]) == county["compensation"]
    pdf = tmp_path / "b.pdf"
    assert invoke("bulletin", "341821", "2018-Q2", "--out", str(pdf)).exit_code == 0
    assert "季通报" in pdf_text(pdf) and f"{county['compensation']:,.2f}" in pdf_text(pdf)


def test_bad_input_is_one_line_and_exit_2(invoke, worked_store: str, tmp_path: Path) -> None:
    position = head(worked_store)
    assert_one_line_error(invoke("bulletin", "341821", "2018-13", "--out", str(tmp_path / "x.pdf")), "period")
    assert_one_line_error(invoke("bulletin", "341821", "2018-07", "--out", str(tmp_path / "x.doc")), ".xlsx")
    result = invoke("bulletin", "341821", "2018-07", "--out", str(tmp_path / "x.pdf"))
    assert result.exit_code != 0 and "--issue" in result.stderr
    assert head(worked_store) == position
