"""After an erasure, not a byte of the person is left in the SQLite file or its write-ahead log
(secure_delete zeroes what is freed, the WAL is checkpointed and truncated) — and, to show the
test can fail, the same person without the erasure is found in those bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from clientela.privacy.tests.people import Person

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3", reason="reads a SQLite file's bytes"
)


def _run(data_dir: Path, *arguments: str) -> Path:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CLIENTELA_SQLITE_PATH")}
    env.update(CLIENTELA_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="clientela.settings")
    script = Path(__file__).with_name("erase_in_a_file.py")
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(script), *arguments], env=env, capture_output=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return data_dir / "clientela.sqlite3"


def _bytes_of(database: Path) -> bytes:
    found = b""
    for suffix in ("", "-wal", "-journal"):
        path = Path(f"{database}{suffix}")
        if path.exists():
            found += path.read_bytes()
    return found


def _traces(data: bytes) -> list[str]:
    lowered = data.lower()
    hits = []
    for trace in Person.traces():
        forms = {trace.encode(), json.dumps(trace)[1:-1].encode(), trace.encode("utf-16-le")}
        if any(form.lower() in lowered for form in forms):
            hits.append(trace)
    return hits


def test_the_person_is_in_the_file_until_erased(tmp_path):
    database = _run(tmp_path, "--keep")
    assert "Quarkwhistle" in _traces(_bytes_of(database))


def test_after_erasure_no_byte_of_the_person_is_left_in_the_file_or_its_wal(tmp_path):
    database = _run(tmp_path, "--erase")
    assert database.exists()
    assert _traces(_bytes_of(database)) == []
    assert not Path(f"{database}-wal").exists() or Path(f"{database}-wal").stat().st_size == 0
