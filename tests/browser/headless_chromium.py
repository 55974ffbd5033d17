"""Headless Chromium (Debian's `chromium` package) run as a subprocess: dump the rendered DOM, take a screenshot.

Every run gets a fresh profile directory and the flags that keep a sandbox-less root run quiet and
offline (no QUIC, no background networking, no component updates, no sync).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

REQUIRE_ENV = "LEDGER_REQUIRE_BROWSER"  # CI sets it: a browser test may fail, never skip
CANDIDATES = ("chromium", "chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=8000",
)
TIMEOUT_SECONDS = 120


def find_chromium() -> str | None:
    return next((path for path in map(shutil.which, CANDIDATES) if path), None)


def missing_reason() -> str:
    return (
        "the browser tests need Debian's chromium (apt-get install -y chromium fonts-wqy-microhei); "
        f"{REQUIRE_ENV}=1 makes its absence a failure"
    )


def _run(binary: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="ledger-chromium-") as profile:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *arguments]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env={**os.environ, "HOME": profile}
        )
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}: {result.stderr[-2000:]}"
    return result


def dump_dom(binary: str, url: str) -> str:
    """The DOM after the page's scripts ran (virtual time lets its fetches finish first)."""
    dom = _run(binary, "--dump-dom", url).stdout
    assert dom.strip(), f"chromium dumped an empty DOM for {url}"
    return dom


def screenshot(binary: str, url: str, path: Path, width: int = 1280, height: int = 900) -> bytes:
    _run(binary, f"--screenshot={path}", f"--window-size={width},{height}", url)
    return path.read_bytes()
