"""Structured API errors: every 4xx body is `{"errors": [{"field", "code", "message"}]}`.

Actions raise `ValidationFailed`, `PermissionDenied`, `NotFound` and `Conflict`
(clientela.core.errors); the handlers installed here turn them, ninja's own request
validation and HTTP errors into that one shape, so a client reads one format.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from clientela.core import references
from clientela.core.apikit.etag import etag_for_version
from clientela.core.errors import ApiError, Conflict, FieldError, NotFound, PermissionDenied, Refused, ValidationFailed

if TYPE_CHECKING:
    from ninja import NinjaAPI


class ErrorItem(Schema):
    field: str
    code: str
    message: str


class ErrorOut(Schema):
    errors: list[ErrorItem]


class ConflictInfo(Schema):
    expected_version: int
    current_version: int
    their_changes: dict[str, list[Any]]
    their_actors: list[str]
    overlapping: list[str]


class ConflictOut(Schema):
    errors: list[ErrorItem]
    conflict: ConflictInfo


def body(errors: Iterable[FieldError]) -> dict[str, Any]:
    return {"errors": [e.as_dict() for e in errors]}


# Every endpoint names its JSON body parameter this, so error fields read "emails[0].value".
BODY_PARAM = "payload"

# The statuses every authenticated operation may answer with; routers add their own.
COMMON = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
WITH_RECORD = {**COMMON, 404: ErrorOut}
PRECONDITIONS = {**WITH_RECORD, 412: ConflictOut, 428: ErrorOut}


def _field_from_location(location: Iterable[Any]) -> str:
    """("body", "payload", "emails", 0, "value") -> "emails[0].value"; ("query", "limit") -> "limit"."""
    parts = [str(p) for p in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        where = parts.pop(0)
        if where == "body" and parts and parts[0] == BODY_PARAM:
            parts.pop(0)
    field = ""
    for part in parts:
        if part.isdigit():
            field += f"[{part}]"
        else:
            field += f".{part}" if field else part
    return field or "body"


_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "string_pattern_mismatch": "invalid",
    "literal_error": "invalid_choice",
    "enum": "invalid_choice",
    "too_long": "too_many",
    "less_than_equal": "too_large",
    "greater_than_equal": "too_small",
    "less_than": "too_large",
    "greater_than": "too_small",
    "uuid_parsing": "invalid",
    "uuid_type": "invalid",
}


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return _("is required")
    if kind == "extra_forbidden":
        return _("is not a field you can set")
    if kind == "string_pattern_mismatch":
        return _("has characters or a form that is not allowed here")
    return str(error.get("msg", _("is not valid")))


def validation_errors(errors: list[dict[str, Any]]) -> list[FieldError]:
    return [
        FieldError(_field_from_location(e.get("loc", ())), _CODES.get(e.get("type", ""), "invalid"), _message(e))
        for e in errors
    ]


def _their_changes(request: HttpRequest, exc: Conflict) -> dict[str, Any]:
    """What others changed, the records it refers to shown as the caller may see them
    (`core/references.py`), as in the change log."""
    record = exc.record
    reader = getattr(request, "auth", None)
    if record is None or reader is None or not exc.detail.their_changes:
        return exc.detail.their_changes
    return references.shown_change_set(reader, record._meta.label_lower, exc.detail.their_changes, ids=True)


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every error the structured shape."""

    def respond(request: HttpRequest, status: int, errors: Iterable[FieldError], **extra: Any) -> HttpResponse:
        response = api.create_response(request, {**body(errors), **extra}, status=status)
        return response

    @api.exception_handler(ValidationFailed)
    def on_validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
        # A clash with an existing record (a taken key) is a conflict with the current state: 409.
        duplicate = bool(exc.errors) and all(e.code == "duplicate" for e in exc.errors)
        return respond(request, 409 if duplicate else 422, exc.errors)

    @api.exception_handler(Refused)
    def on_refused(request: HttpRequest, exc: Refused) -> HttpResponse:
        return respond(request, exc.status, [FieldError("", exc.code, str(exc.message))], **exc.details())

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, [FieldError("", "forbidden", str(exc) or _("you may not do this"))])

    @api.exception_handler(NotFound)
    def on_not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return respond(request, 404, [FieldError("", "not_found", str(exc) or _("not found"))])

    @api.exception_handler(Http404)
    def on_http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, [FieldError("", "not_found", _("not found"))])

    @api.exception_handler(Conflict)
    def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        detail = exc.detail
        if detail.expected_version == 0:  # If-Match named no version of this record
            message = _("If-Match names no version of this record (now version %(current)s); read it again") % {
                "current": detail.current_version
            }
        else:
            message = _(
                "the record changed since version %(expected)s (now version %(current)s); "
                "read it again and reapply your change"
            ) % {"expected": detail.expected_version, "current": detail.current_version}
        response = respond(
            request,
            412,
            [FieldError("If-Match", "version_conflict", message)],
            conflict={
                "expected_version": detail.expected_version,
                "current_version": detail.current_version,
                "their_changes": _their_changes(request, exc),
                "their_actors": detail.their_actors,
                "overlapping": detail.overlapping,
            },
        )
        response["ETag"] = etag_for_version(detail.current_version)
        return response

    @api.exception_handler(ApiError)
    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        response = respond(request, exc.status, exc.errors)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def on_database_outage(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Not a 500 (nor, in debug mode, ninja's traceback): core.outage retries a safe
        # request once or answers a JSON 503 with Retry-After, for pages and the API alike.
        raise exc

    @api.exception_handler(NinjaValidationError)
    def on_request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = validation_errors(exc.errors)
        missing_precondition = [e for e in errors if e.field == "If-Match" and e.code == "required"]
        if missing_precondition:
            return respond(
                request,
                428,
                [FieldError("If-Match", "precondition_required", _("send If-Match with the ETag you last read"))],
            )
        return respond(request, 422, errors)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = str(exc) if str(exc) != "Unauthorized" else _("send a valid API token: Authorization: Bearer <token>")
        response = respond(request, 401, [FieldError("Authorization", "unauthenticated", message)])
        response["WWW-Authenticate"] = 'Bearer realm="clientela"'
        return response

    @api.exception_handler(RequestDataTooBig)
    def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        message = _("the body is larger than %(limit)d MB") % {"limit": limit}
        return respond(request, 413, [FieldError("body", "too_large", message)])

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, ApiError):  # the body parser's own verdict (too deep), which ninja wraps
            return on_api_error(request, exc.__cause__)
        if exc.status_code == 400:
            return respond(
                request, 400, [FieldError("body", "malformed_json", _("the request body is not valid JSON"))]
            )
        if exc.status_code == 403:
            return respond(request, 403, [FieldError("", "csrf_failed", _("CSRF check failed"))])
        return respond(request, exc.status_code, [FieldError("", "error", str(exc))])


def unknown_path(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any address under /api/ that no endpoint answers: a 404 in the API's error shape (never a page)."""
    message = _("no such API address: %(path)s") % {"path": request.path}
    return JsonResponse(body([FieldError("", "not_found", message)]), status=404)
