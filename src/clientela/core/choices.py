"""The base of the models' choice enums: Django's `models.TextChoices`, typed.

Mypy runs without django-stubs, so Django's classes are untyped to it, and a member of
a subclass of an untyped base (``ADMIN = "admin", _("Administrator")``) looks like a
tuple. To mypy this base is what Django's is at run time: a string enum whose members
carry a label, whose class lists its ``choices``, ``labels``, ``values`` and ``names``.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:

    class _ChoicesType(enum.EnumMeta):
        @property
        def choices(cls) -> list[tuple[str, str]]: ...
        @property
        def labels(cls) -> list[str]: ...
        @property
        def values(cls) -> list[str]: ...
        @property
        def names(cls) -> list[str]: ...

    class TextChoices(enum.StrEnum, metaclass=_ChoicesType):
        _value_: str

        def __new__(cls, value: str) -> Self: ...  # the label is split off by the metaclass
        @property
        def label(self) -> str: ...

else:
    TextChoices = models.TextChoices
