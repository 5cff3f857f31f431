"""The job worker's housekeeping: checks the apps register, run when `clientela worker` starts and every
half minute after; `clientela recover_jobs` runs them once."""

from __future__ import annotations

import io
import signal

import pytest
from django.core.management import call_command

from clientela.core import housekeeping


@pytest.fixture
def checks(monkeypatch):
    """Only the checks a test registers (the apps' own are put back afterwards)."""
    monkeypatch.setattr(housekeeping, "_CHECKS", {})
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():  # the worker installs its own signal handlers
        signal.signal(sig, handler)


def test_the_apps_register_their_checks():
    assert "parties.import_jobs" in housekeeping.registered()


def test_a_failing_check_is_logged_and_the_others_still_run(checks, caplog):
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("out of order")

    def fine() -> str:
        ran.append("fine")
        return "did something"

    housekeeping.register("broken", broken)
    housekeeping.register("fine", fine)

    assert housekeeping.run_checks() == {"broken": None, "fine": "did something"}
    assert ran == ["fine"] and "housekeeping check broken failed" in caplog.text


def test_a_check_is_registered_once(checks):
    housekeeping.register("one", "clientela.core.housekeeping.registered")
    housekeeping.register("one", "clientela.core.housekeeping.registered")
    with pytest.raises(ValueError, match="registered twice"):
        housekeeping.register("one", "clientela.core.housekeeping.run_checks")


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_checks_before_its_first_task(checks):
    ran: list[str] = []
    housekeeping.register("note", lambda: ran.append("ran"))
    call_command("worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0, housekeeping_every=0)
    assert ran == ["ran"]


def test_recover_jobs_runs_the_checks_once_and_says_what_they_did(checks):
    housekeeping.register("imports", lambda: "resumed 1 import job(s)")
    housekeeping.register("broken", lambda: 1 / 0)
    out = io.StringIO()
    call_command("recover_jobs", stdout=out)
    assert out.getvalue().splitlines() == ["imports: resumed 1 import job(s)", "broken: failed (see the log)"]


def test_the_housekeeper_repeats_the_checks_until_stopped(checks):
    import threading

    beats = threading.Semaphore(0)
    housekeeping.register("beat", beats.release)
    keeper = housekeeping.Housekeeper(every=0.01).start()
    try:
        assert beats.acquire(timeout=10) and beats.acquire(timeout=10)
    finally:
        keeper.stop()
