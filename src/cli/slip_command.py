"""`ledger slip ADMISSION_REF --out FILE`: the settlement slip (结算单) of an admission, as PDF or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.store import open_ledger

FORMATS = {".pdf": "PDF", ".html": "HTML", ".htm": "HTML"}


def slip(
    ctx: typer.Context,
    admission_ref: Annotated[str, typer.Argument(metavar="ADMISSION_REF", help="the settled admission, e.g. P-2.3-B")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the file to write: FILE.pdf or FILE.html")],
) -> int:
    """Write an admission's settlement slip (结算单, in Chinese) to a PDF or HTML file."""
    from documents.settlement_slip import settlement_slip
    from documents.slip_render import slip_html, slip_pdf
    from domain.errors import ValidationError

    kind = FORMATS.get(out.suffix.lower())
    if kind is None:
        raise ValidationError(f"--out {out}: give a file name ending in .pdf or .html")
    with open_ledger(ctx.obj.settings) as ledger:
        document = settlement_slip(ledger, admission_ref, personal=True)
    if kind == "PDF":
        out.write_bytes(slip_pdf(document))
    else:
        out.write_text(slip_html(document), encoding="utf-8")
    typer.echo(f"wrote the settlement slip of {document.settlement_id} ({kind}) to {out}", err=True)
    return 0
