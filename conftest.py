"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # noqa: ANN001 - pytest fixture
    # The production hasher is deliberately slow; tests hash dozens of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):  # noqa: ANN001 - pytest fixture
    """Each test starts in the default language: a request that picks another (Accept-Language,
    the language cookie) leaves it active in the thread, which would leak into the next test."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def cast(db):  # noqa: ANN001 - pytest fixture
    from clientela.testing.cast import make_cast

    return make_cast()
