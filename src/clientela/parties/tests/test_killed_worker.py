"""A real job worker process killed with SIGKILL in the middle of an import, then started again.

The worker runs as `python -m django worker` on a database this process shares with it: on
PostgreSQL the test database; on SQLite (whose test database lives in memory) a migrated file.
(bench/load/killed_worker.py does the same with 200,000 rows and prints the times.)
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clientela.testing.processes import stop_process_group

from .importing_files import good_row, write_csv

ROWS = 15_000  # three batches of 5,000
KILL_AFTER_ROWS = 5_000  # the first batch is committed
KILL_AFTER_SECONDS = 1.0  # an all-or-nothing import on SQLite shows no progress until it commits

CREATE_JOB = """
import django
django.setup()
from django.core.files import File
from django.test.utils import override_settings
from clientela.parties import actions
from clientela.parties.tasks import enqueue_import
from clientela.testing.cast import load_cast, make_cast

with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
    cast = load_cast() or make_cast()
with open({path!r}, "rb") as handle:
    job = actions.import_job_create(actor=cast.sales_north, entity="contact", upload=File(handle, name="big.csv"))
actions.import_job_configure(
    actor=cast.sales_north, job=job, mapping={{}}, mode={mode!r}, match="update", dry_run=False
)
enqueue_import(job)
print(job.pk)
"""
JOB_COLUMNS = ("status", "rows_done", "committed_rows", "worker", "resumed_from_row", "created_count", "message")


class Site:
    """A database a worker process can share with the test, and how to read it."""

    def __init__(self, env: dict[str, str], query: Callable[[str], list[tuple[Any, ...]]]) -> None:
        self.env = env
        self.query = query

    def job(self, pk: int) -> dict[str, Any]:
        sql = f"SELECT {', '.join(JOB_COLUMNS)} FROM parties_importjob WHERE id = {int(pk)}"  # noqa: S608 - our own columns, an int
        row = self.query(sql)[0]
        return dict(zip(JOB_COLUMNS, row, strict=True))

    def count(self, sql: str) -> Any:
        return self.query(sql)[0][0]

    def worker(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "django", "worker", "--no-reload", "--no-startup-delay", "--interval", "0.1",
                   "--queue-name", "*", "--verbosity", "0"]  # fmt: skip
        return subprocess.Popen(command, env=self.env, start_new_session=True)  # noqa: S603 - our own command


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test that runs on SQLite."""
    path = tmp_path_factory.mktemp("site") / "template.sqlite3"
    env = {**os.environ, "CLIENTELA_SQLITE_PATH": str(path), "DJANGO_SETTINGS_MODULE": "clientela.settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--no-input", "-v", "0"], env=env, capture_output=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path, transactional_db: None) -> Site:
    from django.db import connection

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clientela.settings", "CLIENTELA_DATA_DIR": str(tmp_path),
           "CLIENTELA_DEBUG": "false"}  # fmt: skip
    if connection.vendor == "postgresql":  # the test database itself (committed: a transactional test)
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

        def query(sql: str) -> list[tuple[Any, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())

        return Site(env, query)
    path = tmp_path / "site.sqlite3"
    shutil.copy(request.getfixturevalue("migrated_sqlite"), path)
    env.pop("DATABASE_URL", None)
    env["CLIENTELA_SQLITE_PATH"] = str(path)

    def query_file(sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path, timeout=20) as db:
            return list(db.execute(sql).fetchall())

    return Site(env, query_file)


def _queue_import(site: Site, tmp_path: Path, mode: str) -> int:
    path = write_csv(tmp_path / "big.csv", [good_row(n) for n in range(ROWS)])
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", CREATE_JOB.format(path=str(path), mode=mode)], env=site.env, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def _wait(site: Site, pk: int, until: Callable[[dict[str, Any]], bool], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = site.job(pk)
        if until(job):
            return job
        time.sleep(0.02)
    pytest.fail(f"gave up waiting: the job is {site.job(pk)}")


def _kill_mid_import(site: Site, pk: int, *, silent: bool) -> dict[str, Any]:
    """Run a worker until the import is under way, then kill it; the job as it was left."""
    worker = site.worker()
    try:
        _wait(site, pk, lambda job: job["status"] == "running")
        if silent:
            time.sleep(KILL_AFTER_SECONDS)
        else:
            _wait(site, pk, lambda job: job["rows_done"] >= KILL_AFTER_ROWS)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        stop_process_group(worker)
    left = site.job(pk)
    assert left["status"] == "running", f"the import ended before the worker was killed: {left}"
    return left


def test_a_worker_killed_mid_import_leaves_a_valid_rows_only_job_that_the_next_worker_finishes_once(site, tmp_path):
    pk = _queue_import(site, tmp_path, "valid-rows-only")
    left = _kill_mid_import(site, pk, silent=False)
    assert KILL_AFTER_ROWS <= left["committed_rows"] < ROWS
    assert site.count("SELECT COUNT(*) FROM parties_contact") == left["committed_rows"]  # each batch wholly, or not

    worker = site.worker()  # it finds the job's worker gone, resumes the job and runs it
    try:
        job = _wait(site, pk, lambda job: job["status"] not in ("queued", "running"))
    finally:
        stop_process_group(worker)

    assert job["status"] == "succeeded" and job["resumed_from_row"] == left["committed_rows"] + 2
    assert (job["created_count"], job["committed_rows"]) == (ROWS, ROWS)
    assert site.count("SELECT COUNT(*) FROM parties_contact") == ROWS
    assert site.count("SELECT COUNT(DISTINCT normalized) FROM parties_contactpoint WHERE kind = 'email'") == ROWS
    assert site.count("SELECT COUNT(*) FROM parties_contactpoint WHERE kind = 'email'") == ROWS
    assert site.count("SELECT COUNT(*) FROM core_event WHERE action = 'contact.create'") == ROWS
    tasks = site.query("SELECT status FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at")
    assert [status for (status,) in tasks] == ["FAILED", "SUCCESSFUL"]  # the killed worker's task, the resumed one


def test_a_worker_killed_mid_import_leaves_an_all_or_nothing_job_failed_with_nothing_written(site, tmp_path):
    from django.db import connection

    pk = _queue_import(site, tmp_path, "all-or-nothing")
    _kill_mid_import(site, pk, silent=connection.vendor == "sqlite")

    worker = site.worker()
    try:
        job = _wait(site, pk, lambda job: job["status"] != "running")
    finally:
        stop_process_group(worker)

    assert job["status"] == "failed" and job["committed_rows"] == 0
    assert job["message"].startswith("The worker stopped; nothing was written (all or nothing")
    assert site.count("SELECT COUNT(*) FROM parties_contact") == 0
    assert site.count("SELECT COUNT(*) FROM core_event WHERE action = 'contact.create'") == 0
    assert [status for (status,) in site.query("SELECT status FROM django_tasks_database_dbtaskresult")] == ["FAILED"]
