"""Request and response shapes of the e-mail API: /api/v1/emails and /email-templates.

Bodies are strict (an unknown property is an error). What a field may hold beyond its type and
length — an address, a subject on one line, a template's variables — is the actions' to say, so
the API refuses it with the same field errors as the pages. References to other records are
their public ids.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal, TypeAlias

from pydantic import BeforeValidator, Field

from clientela.channels import composing
from clientela.channels.actions.templates import MAX_TEMPLATE_BODY, MAX_TEMPLATE_SUBJECT, MAX_TEXTS
from clientela.channels.models import EmailDirection, EmailStatus
from clientela.core.apikit.bodies import NEXT_CURSOR, Limit, Out, PatchBody, Strict, TeamRef, UserRef
from clientela.core.apikit.pagination import CURSOR_PATTERN
from clientela.core.apikit.text import NO_NUL, VISIBLE, QueryParams

# A template's subject: one line with something to read on it.
VISIBLE_LINE = r"^[^\r\n\x00\u2028\u2029\x85]*[^\s\x00][^\r\n\x00\u2028\u2029\x85]*$"
# Base64 of the largest file, with room for line breaks (the request body has its own limit:
# DATA_UPLOAD_MAX_MEMORY_SIZE).
_BASE64_MAX = composing.MAX_FILE_BYTES * 4 // 3 + 4096
# One line each, nothing the headers could be split at: a line break or NUL is refused by the
# schema (the actions refuse it too, for the pages).
ONE_LINE = r"^[^\r\n\x00\u2028\u2029\x85]*$"
ADDRESS = r"^[^@\s\x00,;]{1,64}@[^@\s\x00,;]{1,189}$"
LANGUAGE = r"^(?:[a-z]{2,3}(?:-[a-z0-9]{2,4})?)?$"
BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
Address = Annotated[str, Field(max_length=254, pattern=ADDRESS)]
AddressList = Annotated[list[Address], Field(max_length=composing.MAX_RECIPIENTS)]


def _listed(value: object) -> object:
    """One address is a list of one (so a bad one is named `to[0]` whichever way it was sent)."""
    return [value] if isinstance(value, str) else value


Addresses: TypeAlias = Annotated[
    AddressList | None,
    BeforeValidator(_listed, json_schema_input_type=Address | AddressList | None),
    Field(description="An e-mail address, or a list of them"),
]
Cursor = Annotated[str | None, Field(max_length=1000, pattern=CURSOR_PATTERN)]
DirectionChoice: TypeAlias = Literal[tuple(EmailDirection.values)]  # type: ignore[valid-type]
StatusChoice: TypeAlias = Literal[tuple(EmailStatus.values)]  # type: ignore[valid-type]


class AttachmentIn(Strict):
    filename: Annotated[str, Field(min_length=1, max_length=255, pattern=NO_NUL)]
    content_base64: Annotated[str, Field(max_length=_BASE64_MAX, pattern=BASE64, description="The file's bytes "
                                         "in base64")]  # fmt: skip
    content_type: Annotated[str, Field(max_length=100, pattern=ONE_LINE, description="What you say it is; what "
                                       "it is is read from its bytes")] = ""  # fmt: skip


_SUBJECT_DOC = "One line; default: the template's, or `Re: ` and the answered e-mail's"
_LANGUAGE_DOC = "The template's language to use (default: the contact's)"


class InvitationCreate(Strict):
    activity: uuid.UUID = Field(description="A meeting (an activity of channel `meeting`) you may change")


class EmailCreate(Strict):
    contact: uuid.UUID | None = Field(default=None, description="Whom it is to: their primary address unless `to`")
    organization: uuid.UUID | None = None
    deal: uuid.UUID | None = Field(default=None, description="Brings its contact and organization unless named")
    to: Addresses = None
    cc: Addresses = None
    subject: Annotated[str | None, Field(max_length=composing.MAX_SUBJECT, pattern=ONE_LINE,
                                         description=_SUBJECT_DOC)] = None  # fmt: skip
    body_text: Annotated[str | None, Field(max_length=composing.MAX_BODY, pattern=NO_NUL, description="Plain "
                                           "text; default: the template's")] = None  # fmt: skip
    template: uuid.UUID | None = Field(default=None, description="Its text in the contact's language, variables "
                                                                 "filled in")  # fmt: skip
    language: Annotated[str | None, Field(max_length=8, pattern=LANGUAGE, description=_LANGUAGE_DOC)] = None
    reply_to: uuid.UUID | None = Field(default=None, description="The e-mail this answers (threaded onto it)")
    attachments: Annotated[list[AttachmentIn], Field(max_length=composing.MAX_FILES)] = Field(default_factory=list)


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    refused: str = Field(description="Why its bytes were not kept (a received file too large), else empty")


class EmailOut(Out):
    id: uuid.UUID
    version: int
    direction: DirectionChoice
    status: StatusChoice
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    body_text: str
    language: str
    message_id: str
    in_reply_to: str
    references: str
    thread: uuid.UUID | None = Field(description="The conversation's first e-mail (filter the list by it)")
    contact: uuid.UUID | None = Field(description="The linked record's id (null: none, or one you cannot see)")
    organization: uuid.UUID | None
    deal: uuid.UUID | None
    template: uuid.UUID | None
    activity: uuid.UUID | None = Field(description="Its entry on the timeline, once sent or received")
    attempts: int
    error: str = Field(description="The mail server's answer to the last failed attempt")
    needs_triage: bool
    sent_at: dt.datetime | None
    received_at: dt.datetime | None
    created_at: dt.datetime
    owner: UserRef | None
    team: TeamRef | None
    attachments: list[AttachmentOut]


class EmailPage(Out):
    items: list[EmailOut]
    next_cursor: str | None = NEXT_CURSOR


class EmailListParams(QueryParams):
    contact: uuid.UUID | None = None
    organization: uuid.UUID | None = None
    deal: uuid.UUID | None = None
    direction: DirectionChoice | None = None
    status: StatusChoice | None = None
    thread: uuid.UUID | None = Field(default=None, description="A conversation: its first e-mail's id")
    cursor: Cursor = None
    limit: Limit = 50


# --- templates -----------------------------------------------------------------------------------


class TemplateTextIn(Strict):
    language: Annotated[str, Field(min_length=2, max_length=8, pattern=LANGUAGE, description="en, hu, pt-br...")]
    subject: Annotated[str, Field(min_length=1, max_length=MAX_TEMPLATE_SUBJECT, pattern=VISIBLE_LINE)]
    body: Annotated[str, Field(max_length=MAX_TEMPLATE_BODY, pattern=NO_NUL)] = ""


class TemplateTextOut(Out):
    language: str
    subject: str
    body: str


_TEXTS_DOC = "A subject and text per language; variables: {{ contact.first_name }}, {{ deal.name }}... (see docs)"


class TemplateCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=VISIBLE)]
    purpose: Annotated[str, Field(max_length=200, pattern=NO_NUL)] = ""
    is_active: bool = True
    texts: Annotated[list[TemplateTextIn], Field(min_length=1, max_length=MAX_TEXTS, description=_TEXTS_DOC)]


class TemplatePatch(PatchBody):
    """Only the fields you send change; `texts`, when sent, replace all of the template's texts."""

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=VISIBLE)] | None = None
    purpose: Annotated[str, Field(max_length=200, pattern=NO_NUL)] | None = None
    is_active: bool | None = None
    texts: Annotated[list[TemplateTextIn], Field(min_length=1, max_length=MAX_TEXTS, description=_TEXTS_DOC)] | None = (
        None
    )


class TemplateOut(Out):
    id: uuid.UUID
    version: int
    name: str
    purpose: str
    is_active: bool
    texts: list[TemplateTextOut]
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


class TemplatePage(Out):
    items: list[TemplateOut]
    next_cursor: str | None = NEXT_CURSOR


class TemplateListParams(QueryParams):
    active: bool | None = Field(default=None, description="true: only those offered when writing")
    cursor: Cursor = None
    limit: Limit = 50
