"""Fixtures of the privacy tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    """A data directory (files, uploads, exports) of the test's own."""
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CLIENTELA_ERASURE_LOG = str(tmp_path / "privacy" / "erasures.log")
    return tmp_path
