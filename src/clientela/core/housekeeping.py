"""What the job worker does besides running tasks: checks the apps register, run when the worker
starts and every EVERY seconds after, from a thread of its own (so also while a long task runs).

An app registers its checks in `AppConfig.ready()` — `register("parties.import_jobs",
"clientela.parties.tasks.recover_import_jobs")`, a callable or its dotted path, taking no
argument — so `core` runs them without importing any app. `clientela worker` runs them;
`clientela recover_jobs` runs them once, by hand.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

EVERY = 30.0  # seconds between two rounds of checks

Check = Callable[[], Any]
_CHECKS: dict[str, Check | str] = {}


def register(name: str, check: Check | str) -> None:
    """Declare a check (idempotent for the same declaration)."""
    existing = _CHECKS.get(name)
    if existing is not None and existing != check:
        raise ValueError(f"housekeeping check {name!r} is registered twice, differently")
    _CHECKS[name] = check


def registered() -> list[str]:
    return list(_CHECKS)


def run_checks() -> dict[str, Any]:
    """Run every check once: its name -> what it returned (None when it failed: logged, not raised,
    so one failing check does not stop the others or the worker)."""
    done: dict[str, Any] = {}
    for name, check in _CHECKS.items():
        try:
            function = import_string(check) if isinstance(check, str) else check
            done[name] = function()
        except Exception:
            logger.exception("housekeeping check %s failed", name)
            done[name] = None
        else:
            if done[name]:
                logger.info("housekeeping %s: %s", name, done[name])
    return done


class Housekeeper:
    """Runs the checks every `every` seconds in a daemon thread (with its own database connection,
    closed after each round) until stopped or the process ends."""

    def __init__(self, every: float = EVERY) -> None:
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="housekeeping", daemon=True)

    def start(self) -> Housekeeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                run_checks()
            finally:
                connection.close()
