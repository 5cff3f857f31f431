"""The audit of reads of sensitive fields (who read whose birth date, income, ... and how)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from clientela.privacy.models import SensitiveRead

MAX_IDS = 200  # a list read names its first rows; `count` says how many there were


def sensitive_read_log(
    *, reader: Any, record_type: str, public_ids: Iterable[Any], fields: Iterable[str], via: str
) -> None:
    ids = [str(public_id) for public_id in public_ids]
    names = sorted(set(fields))
    if not ids or not names:
        return
    SensitiveRead.objects.create(
        user_id=getattr(reader, "pk", None),
        read_at=timezone.now(),
        via=via[:20],
        record_type=record_type,
        record_ids=ids[:MAX_IDS],
        count=len(ids),
        fields=names,
    )
