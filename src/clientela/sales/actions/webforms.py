"""Web-to-lead forms: administrators create them; anyone on the internet may post to one,
so a post is checked before it becomes a lead:

- the form must exist and be active (its token is its address);
- a hidden field ("honeypot") that people never see but form-filling robots fill marks
  a post as spam: it is answered like any other and creates nothing;
- one client address may post to one form at most `PER_ADDRESS` times in `WINDOW`, and a
  form takes at most `PER_FORM` posts in it (a flood from many addresses): past a limit the
  post is refused with 429 and creates nothing;
- the values are the lead's, cleaned by the same rules as everywhere (`rules.clean_lead`).

The lead goes to the first lead assignment rule that matches it (`actions.assignment`), else in
turn to the active sales people and managers of the form's team (round robin, the turn kept on
the form under a row lock, so two posts at once go to two people), else to the form's owner; it
is logged as created by nobody, through "web form".
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.context import acting_via
from clientela.core.errors import ValidationFailed
from clientela.core.validation import clean_values
from clientela.core.visibility import require_admin
from clientela.parties.cleaning import resolve_people
from clientela.sales import queries
from clientela.sales.actions.assignment import assign_lead
from clientela.sales.models import FormSubmission, Lead, LeadForm, LeadStatus
from clientela.sales.rules import clean_lead, lead_phone_normalized, require_name

if TYPE_CHECKING:
    from clientela.accounts.models import User

WINDOW = dt.timedelta(minutes=10)
PER_ADDRESS = 5
PER_FORM = 300
# What a post may set: what a visitor knows about themselves, and their message.
POSTED_FIELDS = ("first_name", "last_name", "company", "title", "email", "phone", "website", "country")
MESSAGE_FIELD = "message"
HONEYPOT_FIELD = "url_confirm"  # hidden on the page; a person leaves it empty


def lead_form_create(*, actor: User, values: dict[str, Any]) -> LeadForm:
    require_admin(actor)
    cleaned = _clean_form(values, None)
    return records.create_record(LeadForm, actor=actor, values=cleaned, action="leadform.create")


def lead_form_update(
    *, actor: User, lead_form: LeadForm, values: dict[str, Any], expected_version: int | None = None
) -> LeadForm:
    require_admin(actor)
    cleaned = _clean_form(values, lead_form)
    return records.update_record(
        lead_form, actor=actor, values=cleaned, action="leadform.update", expected_version=expected_version
    )


def _clean_form(values: dict[str, Any], current: LeadForm | None) -> dict[str, Any]:
    values = dict(values)
    people = resolve_people({k: values.pop(k) for k in ("owner", "team") if k in values})
    cleaned = clean_values(LeadForm, values, allowed={"name", "active", "source", "redirect_url"})
    require_name("name", {**values, **cleaned}, current)
    url = cleaned.get("redirect_url")
    if url and not url.startswith(("https://", "http://")):
        raise ValidationFailed.single("redirect_url", "invalid", _("must be an http(s) address"))
    return {**cleaned, **people}


def submission_allowed(form: LeadForm, address: str | None) -> bool:
    """Counts a post to `form` from `address`; False when it is over a limit (then it is not
    counted: posts flow again once the window has passed). Written first and counted after,
    so two posts at once are never both let through past a limit."""
    now = timezone.now()
    since = now - WINDOW
    FormSubmission.objects.filter(submitted_at__lt=since).delete()  # nothing older is ever read
    submission = FormSubmission.objects.create(form=form, address=address, submitted_at=now)
    recent = FormSubmission.objects.filter(form=form, submitted_at__gt=since)
    over = recent.count() > PER_FORM or (address is not None and recent.filter(address=address).count() > PER_ADDRESS)
    if over:
        submission.delete()
    return not over


def _next_owner(form: LeadForm) -> User | None:
    """The member of the form's team whose turn it is (the form row is locked by the caller)."""
    if form.team_id is None:
        return form.owner
    return queries.next_in_turn(form.team_id, form.last_assigned_id) or form.owner


def lead_capture(*, form: LeadForm, posted: dict[str, Any]) -> Lead:
    """The lead a visitor's post makes: their fields, their message as the qualification
    notes, the form's source, the next owner in turn. Bad values raise ValidationFailed
    naming the field and write nothing."""
    values = {name: str(posted.get(name) or "").strip() for name in POSTED_FIELDS if posted.get(name)}
    message = str(posted.get(MESSAGE_FIELD) or "").strip()
    if len(message) > 5000:
        raise ValidationFailed.single(MESSAGE_FIELD, "invalid", _("at most 5000 characters"))
    values["qualification_notes"] = message
    values["source"] = form.source
    values["status"] = LeadStatus.NEW
    with transaction.atomic():
        cleaned = clean_lead(None, values, None)
        by_rule = assign_lead(cleaned)
        if by_rule is not None:
            cleaned["owner"], cleaned["team"] = by_rule
        else:
            locked = LeadForm.objects.select_for_update().get(pk=form.pk)
            owner = _next_owner(locked)
            cleaned["owner"] = owner
            cleaned["team"] = locked.team if locked.team_id is not None else getattr(owner, "team", None)
            if owner is not None and locked.team_id is not None:
                LeadForm.objects.filter(pk=locked.pk).update(last_assigned=owner)
        cleaned["phone_normalized"] = lead_phone_normalized(cleaned, "")
        with acting_via("web_form"):
            return records.create_record(Lead, actor=None, values=cleaned, action="lead.create")
