"""`Idempotency-Key` on POST: a retried create returns the first result instead of
creating twice; the same key with another body is refused (409).

Only successful results are remembered (an error wrote nothing, so a retry may
fix the body and reuse the key). The create and the remembered result commit in
one transaction: of two concurrent requests with one key, the second waits on the
unique key, rolls back its own create and replays the first.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header

from clientela.core.errors import ApiError
from clientela.core.models import IdempotencyKey

if TYPE_CHECKING:
    from clientela.core.actors import Actor as User

KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
REPLAY_HEADER = "Idempotent-Replayed"

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        max_length=200,
        description="Any unique string (a UUID is good). A retry with the same key and body returns the "
        "first result; the same key with another body gets 409.",
    ),
]

Result = tuple[int, dict[str, Any], dict[str, str]]
KEY_LIFETIME = datetime.timedelta(hours=24)


def fingerprint(method: str, path: str, payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def json_response(status: int, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> HttpResponse:
    content = body if isinstance(body, bytes) else json.dumps(body, cls=DjangoJSONEncoder).encode()
    response = HttpResponse(content, status=status, content_type="application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _replay(
    stored: IdempotencyKey, digest: str, headers_for: Callable[[dict[str, Any]], dict[str, str]]
) -> HttpResponse:
    if stored.body_hash != digest:
        raise ApiError.single(
            409,
            "Idempotency-Key",
            "idempotency_key_reused",
            _("this Idempotency-Key was used for a different request; use a new key"),
        )
    content = bytes(stored.response_body)
    headers = headers_for(json.loads(content))
    headers[REPLAY_HEADER] = "true"
    return json_response(stored.status_code, content, headers)


def run_idempotent(
    request: HttpRequest,
    *,
    user: User,
    key: str | None,
    payload: Any,
    produce: Callable[[], Result],
    headers_for: Callable[[dict[str, Any]], dict[str, str]],
) -> HttpResponse:
    """Run `produce()` (status, body, headers) once per (user, key)."""
    if key is None:
        status, body, headers = produce()
        return json_response(status, body, headers)
    digest = fingerprint(request.method or "POST", request.path, payload)
    # Keys are remembered for KEY_LIFETIME; the caller's expired ones are dropped here,
    # so the table stays small without a separate clean-up job.
    IdempotencyKey.objects.filter(user=user, created_at__lt=timezone.now() - KEY_LIFETIME).delete()
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is not None:
        return _replay(stored, digest, headers_for)
    try:
        with transaction.atomic():
            status, body, headers = produce()
            content = json.dumps(body, cls=DjangoJSONEncoder).encode()
            IdempotencyKey.objects.create(
                user=user,
                key=key,
                method=request.method or "POST",
                path=request.path[:500],
                body_hash=digest,
                status_code=status,
                response_body=content,
            )
    except IntegrityError:
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is None:
            raise
        return _replay(stored, digest, headers_for)
    return json_response(status, content, headers)
