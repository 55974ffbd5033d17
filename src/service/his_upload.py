"""HIS upload: a hospital information system's CSV or xlsx file of admissions, charge lines and discharges,
mapped row by row to the same command models as a batch (service.commands.parse_entry), so a value has the
same rule and message as on its single route.

Column layout (docs/his-upload.md): one row per record, a `type` column saying which; headers in English (the
command's field names) or Chinese (HEADERS); empty cells are absent. Booleans: true/false, 是/否, 1/0, Y/N.
Kinds: the API's values or their Chinese names. An admission names a registered `hospital_code`; a charge line
is `item_code`, `quantity`, `unit_price` (the ledger classifies it against the catalogue); a row carrying one
of the old layout's columns (hospital attributes, `amount`, `compliant`) is refused with that column named. A row without `command_id` gets a stable one,
`his:<admission_ref>:<type>[:<line_no>]`, so uploading the same file again appends nothing.

Parsing never writes: it returns the batch entries with their row numbers, or every row's errors.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from service.commands import COMMANDS, InvalidCommandError, parse_entry
from service.commands.base import Command

TYPES = {
    "admission": "register_admission",
    "入院": "register_admission",
    "入院登记": "register_admission",
    "charge_line": "post_charge_line",
    "费用明细": "post_charge_line",
    "明细": "post_charge_line",
    "discharge": "discharge",
    "出院": "discharge",
}
TYPE_NAMES = {"register_admission": "admission", "post_charge_line": "charge_line", "discharge": "discharge"}
HEADERS = {
    "记录类型": "type",
    "指令编号": "command_id",
    "住院号": "admission_ref",
    "患者编号": "patient_ref",
    "就诊类别": "kind",
    "入院日期": "admitted_on",
    "是否转诊": "referred",
    "诊断": "diagnosis",
    "医院编码": "hospital_code",
    "明细序号": "line_no",
    "项目编码": "item_code",
    "数量": "quantity",
    "单价": "unit_price",
    "费用类别": "category",
    "出院日期": "discharged_on",
    # columns of the layout before the registries: still recognised, so that a row carrying one is refused
    "医院名称": "hospital_name",
    "医院级别": "hospital_tier",
    "医院所在县": "hospital_county_code",
    "是否县域内": "hospital_in_county",
    "是否省内": "hospital_in_province",
    "是否定点": "hospital_designated",
    "金额": "amount",
    "是否合规": "compliant",
}
RETIRED = {
    **dict.fromkeys(
        (
            "hospital_name",
            "hospital_tier",
            "hospital_county_code",
            "hospital_in_county",
            "hospital_in_province",
            "hospital_designated",
        ),
        "the hospital's attributes come from the hospital registry: give hospital_code (医院编码) only",
    ),
    **dict.fromkeys(
        ("amount", "compliant"),
        "the ledger classifies a line against the catalogue: give item_code, quantity and unit_price "
        "(项目编码, 数量, 单价)",
    ),
}
BOOLEANS = {"true": True, "false": False, "是": True, "否": False, "1": True, "0": False, "y": True, "n": False}
BOOLEAN_FIELDS = {"referred"}
VALUES = {
    "住院": "inpatient",
    "慢性病门诊": "outpatient_chronic",
}
ROWS_MAX = 20_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadFormatError(ValueError):
    """The file itself cannot be read (not CSV/xlsx, no header, no type column, too many rows)."""


@dataclass
class ParsedUpload:
    rows: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)  # (row, entry, raw)
    errors: list[dict[str, Any]] = field(default_factory=list)  # {row, column, message}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(content: bytes, media_type: str) -> list[list[str]]:
    """The file's rows as text cells (CSV: UTF-8 with or without BOM, else GB18030; xlsx: the first sheet)."""
    if media_type.startswith(XLSX) or content[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise UploadFormatError(f"not a readable xlsx file ({type(exc).__name__})") from None
        sheet = book.worksheets[0]
        return [[_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise UploadFormatError("the CSV is neither UTF-8 nor GB18030 text")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]


def _header(cells: list[str]) -> list[str]:
    names = [HEADERS.get(cell, cell) for cell in cells]
    if "type" not in names:
        raise UploadFormatError("the first row must be the header, with a type (记录类型) column")
    return names


def _records(table: list[list[str]]) -> Iterator[tuple[int, dict[str, str]]]:
    names = _header(table[0]) if table else _header([])
    for number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        yield number, {name: value for name, value in zip(names, cells) if value != "" and name}


def _value(name: str, raw: str) -> Any:
    if name in BOOLEAN_FIELDS:
        return BOOLEANS.get(raw.lower(), raw)  # anything else: the model refuses it with its own message
    return VALUES.get(raw, raw)


def _entry(command: type[Command], record: dict[str, str]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for name in command.model_fields:
        if name in ("command", "command_id"):
            continue
        if name in record:
            args[name] = (
                int(record[name])
                if name == "expected_version" and record[name].isdigit()
                else _value(name, record[name])
            )
    name = command.command_name()
    suffix = f":{record.get('line_no', '')}" if name == "post_charge_line" else ""
    command_id = record.get("command_id") or f"his:{record.get('admission_ref', '')}:{TYPE_NAMES[name]}{suffix}"
    return {"command": name, "command_id": command_id, "args": args}


def _column(field_name: str) -> str:
    return field_name.split(".")[0]


def parse_upload(table: Iterable[list[str]]) -> ParsedUpload:
    rows = list(table)
    if len(rows) - 1 > ROWS_MAX:
        raise UploadFormatError(f"at most {ROWS_MAX} rows per file, not {len(rows) - 1}")
    parsed = ParsedUpload()
    for number, record in _records(rows):
        kind = TYPES.get(record.get("type", ""))
        if kind is None:
            message = (
                f"type {record.get('type', '')[:40]!r}: give admission, charge_line or discharge (入院/费用明细/出院)"
            )
            parsed.errors.append({"row": number, "column": "type", "message": message})
            continue
        retired = [
            {"row": number, "column": name, "message": message} for name, message in RETIRED.items() if name in record
        ]
        if retired:
            parsed.errors.extend(retired)
            continue
        entry = _entry(COMMANDS[kind], record)
        try:
            parse_entry(entry)
        except InvalidCommandError as exc:
            for error in exc.errors:
                field_name = str(error.get("field", ""))
                parsed.errors.append({"row": number, "column": _column(field_name), "message": error["message"]})
            continue
        parsed.rows.append((number, entry, record))
    if not parsed.rows and not parsed.errors:
        raise UploadFormatError("the file has a header but no rows")
    return parsed


def errors_csv(errors: list[dict[str, Any]]) -> bytes:
    """The per-row error report (UTF-8 with BOM, for Excel): 行号, 列, 错误."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["行号 row", "列 column", "错误 message", "住院号 admission_ref"])
    for error in errors:
        writer.writerow([error["row"], error["column"], error["message"], error.get("admission_ref", "")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
