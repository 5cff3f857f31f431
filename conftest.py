"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def cast(db):  # noqa: ANN001 - pytest fixture
    from clientela.testing.cast import make_cast

    return make_cast()
