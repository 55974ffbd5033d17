"""Poppler's command-line tools (Debian: poppler-utils): a PDF's text (pdftotext -layout) and its pages as PNG."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REQUIRE_ENV = "LEDGER_REQUIRE_BROWSER"  # CI sets it: the page and document tools must be there


def require_poppler() -> None:
    if shutil.which("pdftotext") and shutil.which("pdftoppm"):
        return
    reason = "the PDF tests need poppler-utils (apt-get install -y poppler-utils)"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{REQUIRE_ENV} is set but {reason}")
    print(f"SKIPPED pdf: {reason}")
    pytest.skip(reason)


def pdf_text(pdf: Path) -> str:
    """The text of every page, laid out as printed (a table row stays on one line)."""
    require_poppler()
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def pdf_pages_png(pdf: Path, resolution: int = 60) -> list[Path]:
    """Each page rendered to a PNG file (8-bit RGB)."""
    require_poppler()
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(resolution), str(pdf), str(prefix)], check=True, timeout=60)
    return sorted(pdf.parent.glob(f"{prefix.name}-*.png"))
