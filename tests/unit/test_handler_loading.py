"""The handler registry loads once, and a command's first callers in several threads all find its handler."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# In a fresh interpreter (nothing imported yet), 16 threads ask for handlers at the same moment, as a server's
# first requests do. Before the fix, threads that saw "loaded" while the first was still importing the handler
# modules got "no handler for RegisterAdmission" (the 500s of `bench appends` with 2 workers).
PROGRAM = textwrap.dedent(
    """
    import threading
    from service.commands import Discharge, RegisterAdmission, SettleAdmission
    from service.handlers import handler_for

    barrier = threading.Barrier(16)
    found, failed = [], []

    def ask(n):
        barrier.wait()
        try:
            found.append(handler_for((RegisterAdmission, Discharge, SettleAdmission)[n % 3]).__name__)
        except TypeError as error:
            failed.append(str(error))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(len(found), len(failed), failed[:1])
    """
)


def test_sixteen_threads_asking_at_once_in_a_fresh_process_all_find_their_handlers() -> None:
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True, timeout=120)
        assert done.stdout.split()[:2] == ["16", "0"], done.stdout + done.stderr
