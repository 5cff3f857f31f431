"""Run by test_erasure_on_disk.py in a process of its own, on a SQLite file under the data
directory: migrate, make the person, erase them. The test then reads the file's bytes."""

from __future__ import annotations

import sys


def main() -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, as in the tests
    call_command("migrate", verbosity=0)
    from clientela.privacy.tests.people import erase, make_person
    from clientela.testing.cast import make_cast

    cast = make_cast()
    person = make_person(cast)
    if sys.argv[1:] == ["--erase"]:
        erase(cast, person)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
