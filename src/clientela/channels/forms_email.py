"""The e-mail pages' forms read into action values: the compose form (its files as
`composing.Upload`s, read no further than a file may be long) and a template's form (one row of
subject and text per language; an empty row is no text)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from clientela.channels import composing
from clientela.channels.models import EmailTemplate
from clientela.core.errors import FieldError

COMPOSE_INPUTS = ("to", "cc", "subject", "body_text", "template", "purpose")
LINK_INPUTS = ("contact", "organization", "deal", "reply_to")
# The compose form's inputs the action's errors may name; anything else is shown above the form.
COMPOSE_FIELDS = (*COMPOSE_INPUTS, "attachments")


def compose_values(post: QueryDict, files: MultiValueDict) -> dict[str, Any]:
    """The compose form as `email_queue` values (blank inputs left out: the action's defaults)."""
    values: dict[str, Any] = {}
    for name in (*COMPOSE_INPUTS, *LINK_INPUTS):
        value = post.get(name, "")
        if name == "body_text":
            if value.strip():
                values[name] = value.replace("\r\n", "\n")
        elif value.strip():
            values[name] = value.strip()
    uploads = [_upload(item) for item in files.getlist("attachments")[: composing.MAX_FILES + 1]]
    if uploads:
        values["attachments"] = uploads
    return values


def _upload(item: Any) -> composing.Upload:
    # One byte past the limit is enough to know the file is too long; the rest is never read.
    content = item.read(composing.MAX_FILE_BYTES + 1)
    return composing.Upload(filename=item.name or "", content=content, content_type=item.content_type or "")


def errors_by_field(errors: list[FieldError], fields: tuple[str, ...]) -> tuple[dict[str, list[str]], list[FieldError]]:
    """Errors beside their input (`to[1]` beside `to`), and the others for the top of the form."""
    beside: dict[str, list[str]] = {}
    other: list[FieldError] = []
    for error in errors:
        name = error.field.split("[")[0].split(".")[0]
        if name in fields:
            beside.setdefault(name, []).append(str(error.message))
        else:
            other.append(error)
    return beside, other


# --- templates -----------------------------------------------------------------------------------


@dataclass
class TextRow:
    """One language's row of the template form, as shown."""

    language: str
    label: str
    subject: str = ""
    body: str = ""
    errors: list[str] | None = None


def text_rows(template: EmailTemplate | None, posted: QueryDict | None = None) -> list[TextRow]:
    """A row for each language of the interface and each other language the template has."""
    labels = dict(settings.LANGUAGES)
    existing = {text.language: text for text in template.texts.all()} if template is not None else {}
    languages = [code for code, _name in settings.LANGUAGES] + sorted(set(existing) - set(labels))
    rows = []
    for code in languages:
        row = TextRow(language=code, label=labels.get(code, code))
        if posted is not None:
            row.subject, row.body = posted.get(f"subject-{code}", ""), posted.get(f"body-{code}", "")
        elif code in existing:
            row.subject, row.body = existing[code].subject, existing[code].body
        rows.append(row)
    return rows


def template_values(post: QueryDict, rows: list[TextRow]) -> tuple[dict[str, Any], list[str]]:
    """The template form as action values, and the languages of its texts in the order given
    (the action names a text's errors by its position: `texts[1].body`)."""
    texts, order = [], []
    for row in rows:
        subject, body = row.subject.strip(), row.body.replace("\r\n", "\n")
        if subject or body.strip():
            texts.append({"language": row.language, "subject": subject, "body": body})
            order.append(row.language)
    values = {
        "name": post.get("name", ""), "purpose": post.get("purpose", ""), "is_active": post.get("is_active") == "on",
        "texts": texts,
    }  # fmt: skip
    return values, order


def place_template_errors(errors: list[FieldError], rows: list[TextRow], order: list[str]) -> list[FieldError]:
    """Each text's errors on its row; the others are returned (for their inputs or the top)."""
    by_language = {row.language: row for row in rows}
    rest = []
    for error in errors:
        head, _dot, _tail = error.field.partition(".")
        if head.startswith("texts[") and head.endswith("]") and head[6:-1].isdigit() and int(head[6:-1]) < len(order):
            row = by_language[order[int(head[6:-1])]]
            row.errors = [*(row.errors or []), str(error.message)]
        else:
            rest.append(error)
    return rest
