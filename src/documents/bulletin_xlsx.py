"""A bulletin as an Excel workbook (openpyxl): one sheet per part, amounts as exact numbers to the fen.

Sheets: 概况 (the county's figures as issued, now, and the change), 乡镇排名, 医院排名 (as issued, ranked by
compensation), 更正 (every figure restated since the bulletin was issued) and 说明 (period, issue time,
log position). Money cells hold the Decimal (number format #,##0.00), ratios the Decimal (0.00%), so a
reader sums them in Excel; reading a cell back gives the fen exactly (two places, far below 2**53).
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from documents.bulletin_document import RATES, label, payer_label

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
HEADER = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F1F1F1")
ROW_COLUMNS = ("person_times", "inpatient_times", "in_county_visit_rate", "total_cost", "compensation")


def _cell_value(figure: str, value: Any) -> Any:
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def _number_format(figure: str) -> str | None:
    if figure in RATES:
        return RATE_FORMAT
    if figure.startswith("payer:") or figure in (
        "total_cost",
        "compensation",
        "patient_share",
        "hospital_borne",
        "change",
    ):
        return MONEY_FORMAT
    return None


def _put(sheet: Any, row: int, column: int, figure: str, value: Any) -> None:
    cell = sheet.cell(row=row, column=column, value=_cell_value(figure, value))
    fmt = _number_format(figure)
    if fmt and isinstance(cell.value, Decimal):
        cell.number_format = fmt


def _header(sheet: Any, titles: list[str]) -> None:
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font, cell.fill = HEADER, HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[get_column_letter(column)].width = max(12, 2 * len(title) + 4)
    sheet.freeze_panes = "A2"


def county_rows(figures: dict[str, Any]) -> list[tuple[str, Any]]:
    """(figure, value) of the county part, payers expanded, Hainan rates after them where there are any."""
    rows: list[tuple[str, Any]] = []
    for key, value in figures["county"].items():
        if key == "compensation_by_payer":
            rows += [(f"payer:{payer}", amount) for payer, amount in value.items()]
        else:
            rows.append((key, value))
    rows += list(figures.get("hainan", {}).items())
    return rows


def bulletin_xlsx(document: dict[str, Any]) -> bytes:
    issued, current = document["issued"], document["current"]
    book = Workbook()
    summary = book.active
    summary.title = "概况"
    _header(summary, ["指标", "代码", "发布数", "当前数", "更正差额"])
    now = dict(county_rows(current))
    for row, (figure, value) in enumerate(county_rows(issued), start=2):
        summary.cell(row=row, column=1, value=label(figure))
        summary.cell(row=row, column=2, value=figure)
        _put(summary, row, 3, figure, value)
        _put(summary, row, 4, figure, now.get(figure))
        a, b = _cell_value(figure, value), _cell_value(figure, now.get(figure))
        if isinstance(a, Decimal | int) and isinstance(b, Decimal | int) and a != b:
            _put(summary, row, 5, figure, b - a)
    summary.column_dimensions["A"].width = 26
    summary.column_dimensions["B"].width = 30
    for title, section, name in (("乡镇排名", "townships", "township"), ("医院排名", "hospitals", "hospital_code")):
        sheet = book.create_sheet(title)
        payers = list(issued["county"]["compensation_by_payer"])
        extra = ["医院名称"] if section == "hospitals" else []
        _header(
            sheet,
            ["排名", "乡镇" if section == "townships" else "医院代码", *extra, *map(label, ROW_COLUMNS)]
            + [label("patient_share"), label("actual_compensation_ratio")]
            + [payer_label(p) for p in payers],
        )
        for row, entry in enumerate(issued[section], start=2):
            values: list[tuple[str, Any]] = [("rank", entry["rank"]), (name, entry[name])]
            if section == "hospitals":
                values.append(("hospital_name", entry["hospital_name"]))
            values += [(c, entry[c]) for c in (*ROW_COLUMNS, "patient_share", "actual_compensation_ratio")]
            values += [(f"payer:{p}", entry["compensation_by_payer"].get(p)) for p in payers]
            for column, (figure, value) in enumerate(values, start=1):
                _put(sheet, row, column, figure, value)
    changes = book.create_sheet("更正")
    _header(changes, ["部分", "行", "指标", "代码", "发布数", "当前数", "差额"])
    for row, change in enumerate(document["restatement"], start=2):
        for column, value in enumerate((change["section"], change["row"], change["label"], change["figure"]), start=1):
            changes.cell(row=row, column=column, value=value)
        _put(changes, row, 5, change["figure"], change["issued"])
        _put(changes, row, 6, change["figure"], change["current"])
        _put(changes, row, 7, change["figure"], change["change"])
    about = book.create_sheet("说明")
    for row, (key, value) in enumerate(
        (
            ("标题", document["title"]),
            ("县（区）代码", document["county_code"]),
            ("期间", document["period"]),
            ("起止日期", " 至 ".join(issued["dates"])),
            ("发布时间（UTC）", document["issued_at"]),
            ("发布时账本位置", document["log_position"]),
            ("是否已更正", "是" if document["restated"] else "否"),
        ),
        start=1,
    ):
        about.cell(row=row, column=1, value=key).font = HEADER
        about.cell(row=row, column=2, value=value)
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 60
    out = BytesIO()
    book.save(out)
    return out.getvalue()
