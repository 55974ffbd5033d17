"""The settlement slip (结算单): its PDF's text carries every figure of the recorded settlement to the fen,
its pages render (not blank), the HTML carries the same figures, and after a retroactive recalculation
the slip shows the 追溯补偿 owed, paid and outstanding."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tests.browser.dom_reader import parse
from tests.browser.png_reader import read_png
from tests.documents.conftest import ID_CARD_NO, NAME
from tests.documents.pdf_tools import pdf_pages_png, pdf_text

from documents.settlement_slip import settlement_slip
from documents.slip_labels import PAYER_NAMES, WITHHELD
from documents.slip_render import slip_html, slip_pdf
from domain.vocabulary import Payer
from service.commands import EnrolPatient, PublishPolicyVersion, RecordPovertyStatus, RegisterPatient
from service.ledger import BenefitLedger

D = Decimal


def money(amount: Decimal | str) -> str:
    return f"{Decimal(amount):,.2f}"


def recorded(ledger: BenefitLedger, patient_ref: str, settlement_id: str) -> dict:
    history = ledger.get_benefit_year(patient_ref, 2018)
    return history.record_of(settlement_id)


def line_with(text: str, label: str) -> str:
    """The one printed line that starts with `label` (a table row: label, then its amounts)."""
    lines = [line for line in text.splitlines() if line.strip().startswith(label + " ")]
    assert len(lines) == 1, (label, lines)
    return lines[0]


def amount_after(text: str, label: str) -> str:
    """The amount printed on the label's line, right after the label."""
    return line_with(text, label).split(label, 1)[1].split()[0]


def test_the_pdf_prints_every_figure_of_the_settlement_to_the_fen(slip_ledger: BenefitLedger, tmp_path: Path) -> None:
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(slip_pdf(settlement_slip(slip_ledger, "P-2.3-B", personal=True)))
    text = pdf_text(pdf)
    settlement = recorded(slip_ledger, "P-2.3", "P-2.3-B#1")["settlement"]
    layers = {layer["payer"]: layer["amount"] for layer in settlement["layers"]}
    assert set(layers) == {"ncms", "cii", "ma", "b351", "s5090", "reassist"}
    for payer, amount in layers.items():
        assert amount_after(text, PAYER_NAMES[Payer(payer)]) == money(amount), payer
    total, compliant = D(settlement["total"]), D(settlement["compliant"])
    payers = sum((D(a) for a in layers.values()), D("0.00"))
    patient = D(settlement["patient_compliant"]) + D(settlement["patient_noncompliant"])
    expected = {
        "医疗总费用": total,
        "其中：合规费用": compliant,
        "其中：不合规费用": total - compliant,
        "各项补偿合计": payers,
        "医院承担": D(settlement["hospital_borne"]),
        "个人自付（合规费用内）": D(settlement["patient_compliant"]),
        "个人自付（不合规费用）": D(settlement["patient_noncompliant"]),
        "个人实际支付": patient,
    }
    for label, amount in expected.items():
        assert amount_after(text, label) == money(amount), label
    # the worked example's figures (research §2.3): 80,000 = 66,691 from the payers + 13,309 the patient pays
    assert (money(total), money(payers), money(patient)) == ("80,000.00", "66,691.00", "13,309.00")
    assert total == payers + patient + D(settlement["hospital_borne"])
    for fact in (
        "住院费用结算单",
        "安徽省立医院",
        "2018-05-20",
        NAME,
        "341821********123X",
        "P-2.3-B#1",
        "建档立卡贫困人口",
    ):
        assert fact in text, fact
    assert ID_CARD_NO not in text and "追溯补偿" not in text  # masked; never recalculated


def test_the_pdf_page_renders_as_a_picture(retro_ledger: BenefitLedger, tmp_path: Path) -> None:
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(slip_pdf(settlement_slip(retro_ledger, "P-5090-D1", personal=False)))
    pages = pdf_pages_png(pdf, resolution=100)
    assert len(pages) == 1, "an ordinary slip, even with its 追溯补偿 section, prints on one A4 page"
    image = read_png(pages[0].read_bytes())
    assert abs(image.width - 827) <= 1 and abs(image.height - 1170) <= 1, (image.width, image.height)  # A4, 100 dpi
    colours = image.colours()
    white = colours[(255, 255, 255)]
    dark = sum(n for (r, g, b), n in colours.items() if r + g + b < 300)
    assert white < 0.95 * image.width * image.height, "a blank page"
    assert dark > 10_000, f"hardly any text drawn ({dark} dark pixels)"
    ink_rows = [y for y, row in enumerate(image.pixels) if min(row) < 100]
    assert ink_rows[0] < 100 and ink_rows[-1] > image.height * 0.7, "the slip does not fill the page"
    accent = image.box((180, 83, 9))  # the 追溯补偿 section's frame (#b45309)
    assert accent is not None and accent[2] - accent[0] > image.width // 2, "no 追溯补偿 section drawn"


def test_after_a_recalculation_the_slip_shows_the_compensation_owed_and_paid(
    retro_ledger: BenefitLedger, tmp_path: Path
) -> None:
    record = recorded(retro_ledger, "P-5090", "P-5090-D1#1")
    owed, paid = D(record["compensation_owed"]), D(record["compensation_paid"])
    assert owed > paid > 0
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(slip_pdf(settlement_slip(retro_ledger, "P-5090-D1", personal=True)))
    text = pdf_text(pdf)
    owed_line = line_with(text, "应付追溯补偿金")
    assert owed_line.split() == ["应付追溯补偿金", money(owed), "已付", money(paid), "待付", money(owed - paid)]
    current = {layer["payer"]: D(layer["amount"]) for layer in record["current"]["layers"]}
    settled = {layer["payer"]: D(layer["amount"]) for layer in record["settlement"]["layers"]}
    assert current["s5090"] > 0 and "s5090" not in settled  # the retroactive version added the "5090" layer
    row = line_with(text, PAYER_NAMES[Payer.S5090]).split()
    assert row[-3:] == [money(0), money(current["s5090"]), money(current["s5090"])]
    patient_before = D(record["settlement"]["patient_compliant"]) + D(record["settlement"]["patient_noncompliant"])
    patient_after = D(record["current"]["patient_compliant"]) + D(record["current"]["patient_noncompliant"])
    assert line_with(text, "个人负担").split()[-3:] == [
        money(patient_before),
        money(patient_after),
        money(patient_after - patient_before),
    ]
    assert owed == patient_before - patient_after
    # the amounts paid at the window stay as settled: the slip's first table is the settlement as made
    assert amount_after(text, "个人实际支付") == money(patient_before)


def test_the_html_slip_carries_the_same_figures_and_withholds_personal_data(slip_ledger: BenefitLedger) -> None:
    settlement = recorded(slip_ledger, "P-2.3", "P-2.3-A#1")["settlement"]
    dom = parse(slip_html(settlement_slip(slip_ledger, "P-2.3-A", personal=False)))
    amounts = {cell.attrs["data-amount"]: cell.text for cell in dom.find_all("td", data_amount=None)}
    for layer in settlement["layers"]:
        assert amounts[f"payer-{layer['payer']}"] == money(layer["amount"])
    assert amounts["total"] == "20,000.00" and amounts["patient_share"] == "2,085.00"  # research §2.3, A
    fields = {cell.attrs["data-field"]: cell.text for cell in dom.find_all(data_field=None)}
    assert (fields["name"], fields["id_card_no"]) == (WITHHELD, WITHHELD)
    assert (fields["admitted_on"], fields["discharged_on"]) == ("2018-03-12", "2018-03-12")
    assert NAME not in dom.text


def test_an_unsettled_or_unknown_admission_has_no_slip(slip_ledger: BenefitLedger) -> None:
    from domain.errors import NotFoundError, StateConflictError

    with pytest.raises(StateConflictError, match="not settled yet"):
        settlement_slip(slip_ledger, "P-2.3-OPEN", personal=True)
    with pytest.raises(NotFoundError):
        settlement_slip(slip_ledger, "NO-SUCH", personal=True)


def test_every_payer_has_its_chinese_name_and_a_hainan_slip_prints_its_own_payers(tmp_path: Path) -> None:
    """琼中 (469030): 健康扶贫补充保险 and 慈善医疗救助 print under their names, amounts to the fen."""
    from datetime import date

    from tests.application.scenario import admit_and_settle

    from domain.policy.loader import load_default_policy
    from service.settings import Settings

    assert set(PAYER_NAMES) == set(Payer)
    ledger = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{tmp_path}/ledger.db"))
    try:
        ledger.handle(PublishPolicyVersion.of(load_default_policy("469030"), command_id="hainan"))
        ledger.handle(RegisterPatient(command_id="H:r", patient_ref="H1", county_code="469030", township="营根镇"))
        ledger.handle(EnrolPatient(command_id="H:e", patient_ref="H1", year=2018))
        ledger.handle(
            RecordPovertyStatus(
                command_id="H:s", patient_ref="H1", status="jiandanglika", effective_from=date(2016, 1, 1)
            )
        )
        hospital = {
            "code": "QZ-001",
            "name": "琼中县人民医院",
            "tier": "county",
            "county_code": "469030",
            "in_county": True,
            "in_province": True,
            "designated": True,
        }
        result = admit_and_settle(
            ledger, "H1", "H1-A", hospital, total="30000", compliant="27000", day=date(2018, 6, 1)
        )
        pdf = tmp_path / "slip.pdf"
        pdf.write_bytes(slip_pdf(settlement_slip(ledger, "H1-A", personal=True)))
    finally:
        ledger.close()
    text = pdf_text(pdf)
    layers = {layer["payer"]: layer["amount"] for layer in result["layers"]}
    assert {"hpsi", "charity"} <= set(layers)
    for payer, amount in layers.items():
        assert amount_after(text, PAYER_NAMES[Payer(payer)]) == money(amount), payer
    assert amount_after(text, "个人实际支付") == money(result["patient_share"])
    assert "琼中县人民医院" in text and "hainan-2017.1" in text
