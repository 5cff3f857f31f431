"""Child processes of tests and benchmarks (a server, a job worker), started in their own session."""

from __future__ import annotations

import os
import signal
import subprocess


def stop_process_group(process: subprocess.Popen[bytes], *, grace: float = 30) -> None:
    """Stop `process` and its children (started with `start_new_session=True`): SIGTERM to the
    group, then SIGKILL if it has not ended within `grace` seconds."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
