"""Headless Chromium (Debian's `chromium` package) run as a subprocess: dump the rendered DOM, take a screenshot,
or (`render`) both from one page load at an exact window size, driven over the DevTools pipe.

Every run gets a fresh profile directory and the flags that keep a sandbox-less root run quiet and
offline (no QUIC, no background networking, no component updates, no sync).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def dump_dom(binary: str, url: str, width: int | None = None, height: int | None = None) -> str:
    """The DOM after the page's scripts ran (virtual time lets its fetches finish first), in a window of
    `width` x `height` when given (the same layout as a screenshot of that size)."""
    size = () if width is None else (f"--window-size={width},{height or 900}",)
    dom = _run(binary, *size, "--dump-dom", url).stdout
    assert dom.strip(), f"chromium dumped an empty DOM for {url}"
    return dom


def screenshot(binary: str, url: str, path: Path, width: int = 1280, height: int = 900) -> bytes:
    _run(binary, f"--screenshot={path}", f"--window-size={width},{height}", url)
    return path.read_bytes()


@dataclass(frozen=True)
class Rendered:
    dom: str  # document.documentElement.outerHTML once the page left data-state="loading"
    png: bytes  # a screenshot of the whole window


def render(binary: str, url: str, width: int, height: int, *, mobile: bool = False) -> Rendered:
    """Load `url` in a window of exactly `width` x `height` CSS pixels (DevTools device metrics over
    --remote-debugging-pipe: the command-line --window-size cannot go below 500 px), wait until the page's
    <body data-state> is no longer "loading", then read its DOM and take a screenshot, from the same layout."""
    with tempfile.TemporaryDirectory(prefix="ledger-chromium-") as profile:
        to_browser_read, to_browser = os.pipe()
        from_browser, from_browser_write = os.pipe()

        def pipes() -> None:  # the browser reads commands on fd 3 and writes answers on fd 4
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)
            os.set_inheritable(3, True)  # dup2 onto itself keeps close-on-exec
            os.set_inheritable(4, True)

        command = [binary, *FLAGS[:-1], f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=pipes,
            close_fds=False,
            env={**os.environ, "HOME": profile},
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        session = _DevTools(to_browser, from_browser, time.monotonic() + TIMEOUT_SECONDS)
        try:
            target = session.call("Target.createTarget", url="about:blank")["targetId"]
            session.id = session.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            session.call(
                "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile
            )
            session.call("Page.enable")
            session.call("Page.navigate", url=url)
            state = "loading"
            while state in ("loading", None):
                assert time.monotonic() < session.deadline, f"{url} stayed loading"
                time.sleep(0.2)
                state = session.evaluate("document.body ? document.body.dataset.state || null : null")
            time.sleep(0.3)  # let the canvas charts paint
            dom = session.evaluate("document.documentElement.outerHTML")
            png = base64.b64decode(session.call("Page.captureScreenshot", format="png")["data"])
            return Rendered(dom, png)
        finally:
            session.id = None
            try:
                session.call("Browser.close")
            except (OSError, AssertionError):
                pass
            os.close(to_browser)
            os.close(from_browser)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)


class _DevTools:
    """The DevTools protocol over the browser's pipe: JSON messages separated by NUL bytes."""

    def __init__(self, write_fd: int, read_fd: int, deadline: float) -> None:
        self.write_fd, self.read_fd, self.deadline = write_fd, read_fd, deadline
        self.id: str | None = None  # the session of the page, once attached
        self.next_id = 0
        self.buffer = b""

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if self.id is not None:
            message["sessionId"] = self.id
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self.next_id:
                assert "error" not in answer, f"{method}: {answer['error']}"
                result: dict[str, Any] = answer.get("result", {})
                return result

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            assert time.monotonic() < self.deadline, "the browser did not answer in time"
            ready, _, _ = select.select([self.read_fd], [], [], 1.0)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                assert chunk, "the browser closed its DevTools pipe"
                self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(message)
        return parsed
