"""`ledger export-eob SETTLEMENT`: a settlement as a FHIR R4 ExplanationOfBenefit (JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.store import open_ledger


def export_eob(
    ctx: typer.Context,
    settlement_id: Annotated[
        str, typer.Argument(metavar="SETTLEMENT", help="a settlement id, <admission_ref>#<n>, e.g. P-2.3-B#1")
    ],
    per_claim: Annotated[
        bool, typer.Option("--per-claim", help="one item for the whole claim instead of one per charge line")
    ] = False,
    as_settled: Annotated[
        bool, typer.Option("--as-settled", help="the settlement as first made, before any retroactive recalculation")
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to this file instead of stdout")] = None,
) -> int:
    """Export a settlement as a FHIR R4 ExplanationOfBenefit: items, payer layers, totals, payment."""
    from interop.eob_export import export_settlement
    from interop.fhir_json import dumps

    with open_ledger(ctx.obj.settings) as ledger:
        resource = export_settlement(ledger, settlement_id, per_line=not per_claim, as_settled=as_settled)
    text = dumps(resource) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote ExplanationOfBenefit {resource['id']} ({settlement_id}) to {output}", err=True)
    return 0
