"""`ledger pay budget|run|file|result|status`: fund budgets and payment runs to households (批量发放).

    ledger pay budget reassist 341821 2018 2700000 --on 2018-01-01
    ledger pay run LX-ZJZ-2018-08 reassist 341821 2018 --on 2018-08-01 --through 2018-07-31 -o run.csv
    ledger pay result LX-ZJZ-2018-08 bank-result.csv --paid-on 2018-08-10
    ledger pay status reassist 341821 2018

File layouts: docs/payment-files.md. Bad input is one line and exit status 2; nothing is changed.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.progress import progress_bar
from cli.store import open_ledger
from domain.errors import ValidationError

pay_app = typer.Typer(
    name="pay",
    help="Fund budgets and payment runs to households (批量发放): budget, run, file, result, status.",
    no_args_is_help=True,
    add_completion=False,
)

OUTCOMES_PER_COMMAND = 1000


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{option}: {text[:40]!r} is not a date (YYYY-MM-DD)") from None


def _money_line(figures: dict[str, Any]) -> str:
    return (
        f"{figures['fund']} {figures['county_code']}/{figures['year']}: budget {figures['budget']}, "
        f"committed {figures['committed']}, paid {figures['paid']}, remaining {figures['remaining']}"
    )


@pay_app.command("budget")
def budget(
    ctx: typer.Context,
    fund: Annotated[str, typer.Argument(help="reassist, s5090 or drug_delivery")],
    county_code: Annotated[str, typer.Argument(metavar="COUNTY")],
    year: Annotated[int, typer.Argument()],
    amount: Annotated[str, typer.Argument(help="yuan, e.g. 2700000 or 20000.00")],
    on: Annotated[str, typer.Option("--on", help="the day the budget is recorded (YYYY-MM-DD)")],
    reason: Annotated[str, typer.Option("--reason")] = "",
    command_id: Annotated[str | None, typer.Option("--command-id", help="default: derived from the arguments")] = None,
) -> int:
    """Record a fund's budget for a county-year (a new event; a change is another one)."""
    from service.commands import RecordFundBudget

    command = RecordFundBudget(
        command_id=command_id or f"budget:{fund}:{county_code}:{year}:{amount}:{on}",
        fund=fund,
        county_code=county_code,
        year=year,
        amount=amount,
        recorded_on=_day(on, "--on"),
        reason=reason,
    )
    with open_ledger(ctx.obj.settings, must_exist=False) as ledger:
        typer.echo(_money_line(ledger.handle(command)))
    return 0


@pay_app.command("run")
def run(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID")],
    fund: Annotated[str, typer.Argument(help="reassist or s5090")],
    county_code: Annotated[str, typer.Argument(metavar="COUNTY")],
    year: Annotated[int, typer.Argument()],
    on: Annotated[str, typer.Option("--on", help="the run's day (YYYY-MM-DD)")],
    through: Annotated[str | None, typer.Option("--through", help="last service date paid (default: year end)")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write the payment file (CSV) here")] = None,
) -> int:
    """Select what the fund owes households, within the remaining budget; record the run; write its file."""
    from service.commands import CreatePaymentRun
    from service.handlers.payments import SELECTION_PROGRESS

    command = CreatePaymentRun(
        command_id=f"payment-run:{run_id}",
        run_id=run_id,
        fund=fund,
        county_code=county_code,
        year=year,
        run_on=_day(on, "--on"),
        through=None if through is None else _day(through, "--through"),
    )
    with open_ledger(ctx.obj.settings) as ledger, progress_bar("patient-years") as bar:
        task = bar.add_task(f"select {run_id}", total=None)
        token = SELECTION_PROGRESS.set(lambda n: bar.advance(task, n))
        try:
            result = ledger.handle(command)
        finally:
            SELECTION_PROGRESS.reset(token)
        if output is not None:
            _write_file(ledger, run_id, output)
    typer.echo(
        f"payment run {run_id}: {result['lines']:,} households, {result['total']} yuan "
        f"({result['left_owed']} owed beyond the budget){' [already recorded]' if result['replayed'] else ''}"
    )
    typer.echo(_money_line(result["budget"]))
    return 0


def _write_file(ledger: Any, run_id: str, output: Path) -> None:
    from domain.payment_file import render_payment_file
    from service.handlers.payments import payment_run

    found = payment_run(ledger, run_id)
    text = render_payment_file({"run_id": found.run_id, "fund": found.fund, "year": found.year, "lines": found.lines})
    output.write_text(text, encoding="utf-8", newline="")


@pay_app.command("file")
def file(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID")],
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the payment file (CSV)")],
) -> int:
    """Write a recorded run's payment file again (the same bytes every time)."""
    with open_ledger(ctx.obj.settings) as ledger:
        _write_file(ledger, run_id, output)
    typer.echo(f"wrote {output}")
    return 0


@pay_app.command("result")
def result(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID")],
    result_file: Annotated[Path, typer.Argument(metavar="RESULT.csv")],
    paid_on: Annotated[str, typer.Option("--paid-on", help="the day the bank paid (YYYY-MM-DD)")],
) -> int:
    """Import the bank's result file: each line paid or failed (failed ones return to owed)."""
    from domain.payment_file import parse_result_file
    from service.commands import RecordPaymentResult
    from service.handlers.payments import payment_run

    try:
        raw = result_file.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{result_file}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{result_file}: not UTF-8 text") from None
    outcomes = parse_result_file(text)
    if not outcomes:
        raise ValidationError(f"{result_file}: no result rows")
    digest = hashlib.sha256(raw).hexdigest()[:16]
    day = _day(paid_on, "--paid-on")
    with open_ledger(ctx.obj.settings) as ledger:
        fund = payment_run(ledger, run_id).fund
        chunks = [outcomes[i : i + OUTCOMES_PER_COMMAND] for i in range(0, len(outcomes), OUTCOMES_PER_COMMAND)]
        commands = [  # every chunk is checked before anything is recorded
            RecordPaymentResult(
                command_id=f"payment-result:{run_id}:{digest}:{n}",
                run_id=run_id,
                fund=fund,
                paid_on=day,
                outcomes=[{k: v for k, v in o.items() if v or k not in ("amount",)} for o in chunk],
            )
            for n, chunk in enumerate(chunks)
        ]
        figures: dict[str, Any] = {}
        with progress_bar("lines") as bar:
            task = bar.add_task(f"result {result_file.name}", total=len(outcomes))
            for command, chunk in zip(commands, chunks, strict=True):
                figures = ledger.handle(command)
                bar.advance(task, len(chunk))
    paid = sum(1 for o in outcomes if o["status"] == "paid")
    typer.echo(
        f"run {run_id}: {paid:,} lines paid, {len(outcomes) - paid:,} failed; run paid {figures['paid']}, "
        f"failed {figures['failed']}, still with the bank {figures['sent']}"
    )
    typer.echo(_money_line(figures["budget"]))
    return 0


@pay_app.command("status")
def status(
    ctx: typer.Context,
    fund: Annotated[str, typer.Argument()],
    county_code: Annotated[str, typer.Argument(metavar="COUNTY")],
    year: Annotated[int, typer.Argument()],
) -> int:
    """A fund-year's budget, committed, paid and remaining."""
    from service.handlers.payments import fund_budget

    with open_ledger(ctx.obj.settings) as ledger:
        typer.echo(_money_line(fund_budget(ledger, fund, county_code, year).figures()))
    return 0
