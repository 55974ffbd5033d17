"""Sampling profiles of a running process (py-spy, for the uvicorn server) and their text summary."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    return found


def record(pid: int, seconds: float, raw_path: Path) -> subprocess.Popen[bytes]:
    """Start sampling `pid` and its subprocesses for `seconds` into a collapsed-stack file."""
    command = [
        py_spy(),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, round(seconds))),
        "--format",
        "raw",
        "--output",
        str(raw_path),
        "--subprocesses",
        "--function",
        "--nonblocking",
        "--rate",
        "200",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summary(raw_path: Path, top: int = 25) -> list[str]:
    """The `top` frames by inclusive share of samples (a frame counted once per stack)."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw_path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        for frame in set(stack.split(";")):
            inclusive[frame] += samples
    lines = [f"{total} samples (all threads, idle excluded)"]
    for frame, samples in inclusive.most_common(top):
        lines.append(f"{samples / max(1, total) * 100:5.1f} %  {frame}")
    return lines
