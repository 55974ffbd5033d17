"""The payment file a run sends to the bank (一卡通 batch), and the result file the bank sends back.

Layouts in docs/payment-files.md. UTF-8 CSV, comma-separated, one header row, amounts in yuan with two
places (to the fen), never rounded here.

Payment file: `line_id,run_id,household,patient_refs,fund,year,amount,memo`, one line per household, then
one trailer row `TOTAL,<run_id>,,,<fund>,<year>,<sum of amounts>,<number of lines>`.
Result file:  `line_id,status,amount,bank_reference,reason` with status `paid` or `failed`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from domain.errors import ValidationError
from domain.money import money_sum

PAYMENT_HEADER = ("line_id", "run_id", "household", "patient_refs", "fund", "year", "amount", "memo")
RESULT_HEADER = ("line_id", "status", "amount", "bank_reference", "reason")
MEMOS = {"reassist": "大病医疗再救助", "s5090": "5090追溯补偿金"}
_AMOUNT = re.compile(r"^\d{1,12}\.\d{2}$")
_TEXT_MAX = 500
RESULT_LINES_MAX = 100_000


def render_payment_file(run: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PAYMENT_HEADER)
    fund, year = run["fund"], run["year"]
    for line in run["lines"]:
        writer.writerow(
            [
                line["line_id"],
                run["run_id"],
                line["household"],
                "|".join(line["patient_refs"]),
                fund,
                year,
                f"{Decimal(line['amount']):.2f}",
                MEMOS.get(fund, fund),
            ]
        )
    total = money_sum(Decimal(line["amount"]) for line in run["lines"])
    writer.writerow(["TOTAL", run["run_id"], "", "", fund, year, f"{total:.2f}", len(run["lines"])])
    return out.getvalue()


def render_result_file(outcomes: Iterable[Mapping[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RESULT_HEADER)
    for o in outcomes:
        writer.writerow(
            [o["line_id"], o["status"], o.get("amount", ""), o.get("bank_reference", ""), o.get("reason", "")]
        )
    return out.getvalue()


def parse_result_file(text: str) -> list[dict[str, str]]:
    """The bank's result rows; any row that does not fit is refused with its line number (nothing recorded)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(reader)
    if not rows or tuple(cell.strip() for cell in rows[0]) != RESULT_HEADER:
        raise ValidationError(f"result file: the first row must be {','.join(RESULT_HEADER)}")
    if len(rows) - 1 > RESULT_LINES_MAX:
        raise ValidationError(f"result file: more than {RESULT_LINES_MAX} rows")
    outcomes = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(RESULT_HEADER):
            raise ValidationError(f"result file line {number}: expected {len(RESULT_HEADER)} fields, got {len(row)}")
        line_id, status, amount, reference, reason = (cell.strip() for cell in row)
        if status not in ("paid", "failed"):
            raise ValidationError(f"result file line {number}: status {status[:20]!r} is not paid or failed")
        if amount and not _AMOUNT.match(amount):
            raise ValidationError(f"result file line {number}: amount {amount[:20]!r} is not yuan with two places")
        if not line_id or any(len(cell) > _TEXT_MAX or any(ord(c) < 32 for c in cell) for cell in row):
            raise ValidationError(f"result file line {number}: a field is empty, too long or has control characters")
        outcomes.append(
            {"line_id": line_id, "status": status, "amount": amount, "bank_reference": reference, "reason": reason}
        )
    return outcomes
