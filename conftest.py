"""Fixtures shared by every app's tests."""

from __future__ import annotations

import signal
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_django import DjangoDbBlocker

    from clientela.testing.cast import Cast

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_RESTORE_CAST = pytest.StashKey[Callable[[], None]]()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is deliberately slow; tests hash dozens of passwords.
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    """Each test starts in the default language: a request that picks another (Accept-Language,
    the language cookie) leaves it active in the thread, which would leak into the next test."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# Data a fresh installation has from its data migrations (a flush after a transactional test
# removes it with everything else): each is the migration's own function, idempotent.
_INSTALLATION_DATA = ("clientela.sales.migrations.0002_default_pipeline_and_lost_reasons",)


def _store_cast_unless_stored() -> None:
    import importlib

    from django.apps import apps
    from django.test.utils import override_settings

    from clientela.testing.cast import load_cast, make_cast

    for module in _INSTALLATION_DATA:
        importlib.import_module(module).create(apps, None)
    if load_cast() is None:
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            make_cast()


@pytest.fixture(scope="session")
def _stored_cast(
    request: pytest.FixtureRequest,
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
) -> Iterator[None]:
    """Writes the cast once per test database (so once per xdist worker), committed.

    Being session-scoped, pytest sets this up before the fixture that opens a test's
    transaction. A test on `db` is rolled back, so whatever it does to the cast is undone;
    a transactional test (`transactional_db`, `live_server`) empties the database when it
    ends, so the cast is written again after it (`pytest_runtest_teardown` below).
    """
    from django.db import connection

    def restore() -> None:
        with django_db_blocker.unblock():
            assert not connection.in_atomic_block, "the cast must be stored outside a test's transaction"
            _store_cast_unless_stored()

    restore()
    request.config.stash[_RESTORE_CAST] = restore
    yield
    del request.config.stash[_RESTORE_CAST]


def _empties_the_database(item: pytest.Item) -> bool:
    """Whether pytest-django runs the test as a TransactionTestCase, which flushes the database after it."""
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    transaction, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    requested = set(getattr(item, "fixturenames", ()))
    return transaction or reset_sequences or bool(requested & {"transactional_db", "live_server"})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    result = yield  # the test's fixtures are torn down: its transaction rolled back, or the database flushed
    restore = item.config.stash.get(_RESTORE_CAST, None)
    if restore is not None and nextitem is not None and _empties_the_database(item):
        restore()
    return result


@pytest.fixture
def cast(_stored_cast: None, db: None) -> Cast:
    """The named cast (clientela.testing.cast), read afresh from the database for each test."""
    from clientela.testing.cast import load_cast

    stored = load_cast()
    assert stored is not None, "the cast is missing from the test database"
    return stored


@pytest.fixture
def empty_database(db: None) -> None:
    """The database of a fresh install: the stored cast is deleted (inside the test's
    transaction, or written again after a transactional test)."""
    from clientela.testing.cast import delete_cast

    delete_cast()


@pytest.fixture
def keep_signals() -> Iterator[None]:
    """db_worker installs its own SIGINT/SIGTERM handlers; put pytest's back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)
