"""Plain-text rendering of ledger results for the terminal."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from domain.vocabulary import PAYER_LABELS_ZH, Payer


def money(value: Any) -> str:
    return f"{Decimal(value):,.2f}"


def settlement_lines(record: dict[str, Any], key: str = "settlement") -> list[str]:
    s = record[key]
    claim = record["claim"]
    lines = [
        f"  {record['settlement_id']}  {claim['kind']} at {record['hospital']['name']} ({claim['tier']}), "
        f"service {claim['service_date']}, policy {s['policy_version']}",
        f"    total {money(s['total'])}  compliant {money(s['compliant'])}  status {claim['poverty_status']}",
    ]
    for layer in s["layers"]:
        label = PAYER_LABELS_ZH[Payer(layer["payer"])]
        lines.append(f"    {layer['payer']:<9}{money(layer['amount']):>14}  {label}: {layer['explanation']}")
    lines.append(
        f"    hospital-borne {money(s['hospital_borne'])}; patient pays "
        f"{money(Decimal(s['patient_compliant']) + Decimal(s['patient_noncompliant']))}"
    )
    deferred = sum((Decimal(la["amount"]) for la in s["layers"] if la.get("deferred")), Decimal("0.00"))
    if deferred:
        lines.append(
            f"    of the payers' shares, {money(deferred)} is paid to the household by a payment run (批量发放)"
        )
    return lines


def charge_line_lines(
    charge_lines: dict[str, dict[str, Any]], current_facts: dict[str, Any] | None = None
) -> list[str]:
    """Per charge line, why it is (or is not) compliant: the catalogue's verdict, or 'legacy'. `current_facts`:
    what the settlement's last recalculation re-read; a line it re-classified shows that verdict, and the
    version the line was posted under."""
    out = []
    facts = current_facts or {}
    reclassified = facts.get("lines") or {}
    for line_no, line in charge_lines.items():
        reversed_ = " [reversed]" if line["reversed"] else ""
        c = reclassified.get(line_no) or line.get("classification")
        if c is None:
            verdict = "compliant" if line["compliant"] else "non-compliant"
            out.append(
                f"      line {line_no} {line['category']} {money(line['amount'])} {verdict}{reversed_}: "
                "legacy line, pre-classified by its sender"
            )
            continue
        out.append(
            f"      line {line_no} {c['item_code']} x {c['quantity']} @ {money(c['unit_price'])} = {money(c['amount'])}: "
            f"compliant {money(c['compliant_amount'])}, 超限价 {money(c['over_limit'])}, self-pay {money(c['self_pay'])}, "
            f"out of catalogue {money(c['out_of_catalogue'])}{reversed_}"
        )
        out.append(f"        {c['reason']}")
        if line_no in reclassified:
            posted = line["classification"]
            out.append(
                f"        re-classified by the recalculation under {c['catalogue_version']} (as known at "
                f"{facts['catalogue_known_at']}); posted under {posted['catalogue_version']}: "
                f"compliant {money(posted['compliant_amount'])}"
            )
    return out


def year_lines(account: Any, lines_of: Callable[[str], dict[str, dict[str, Any]]] | None = None) -> list[str]:
    """`lines_of(admission_ref)`: the admission's charge lines, shown per line under each settlement."""
    lines = [f"patient {account.patient_ref}, benefit year {account.year} (version {account.version})"]
    for record in account.settlements:
        reversed_ = record.get("reversed")
        if reversed_:  # the auditor sees the settlement as made, and its reversal
            lines += settlement_lines(record, "settlement")
            label = "FRAUD REVERSAL (骗保)" if reversed_["kind"] == "fraud" else "REVERSED (反结算)"
            lines.append(f"    {label} at {reversed_['reversed_at']}: {reversed_['reason']}; counts for nothing now")
            if reversed_["kind"] == "fraud":
                lines.append(
                    f"    recoverable from the patient {money(reversed_['recoverable'])}, "
                    f"recovered {money(reversed_['recovered'])}"
                )
            continue
        lines += settlement_lines(record, "current")
        if lines_of is not None and record.get("admission_ref"):
            lines += charge_line_lines(lines_of(record["admission_ref"]), record.get("current_facts"))
        owed, paid = Decimal(record["compensation_owed"]), Decimal(record["compensation_paid"])
        if owed or paid:
            lines.append(f"    retroactive compensation owed {money(owed)}, paid {money(paid)}")
    return lines
