"""E-mail templates: a name, a purpose and a subject and text per language, with variables
(`channels.templating`). Administrators and managers write them; everyone who sends e-mail uses
them. Each write checks every field at once — a variable that is not on the list is refused
naming the text's field and the variable — and logs one event, the texts as one collection.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from clientela.accounts.roles import Role
from clientela.channels import composing, templating
from clientela.channels.models import EmailTemplate, EmailTemplateText
from clientela.core import records
from clientela.core.errors import FieldError, PermissionDenied, ValidationFailed
from clientela.core.validation import clean_values
from clientela.core.visibility import require_write

if TYPE_CHECKING:
    from clientela.accounts.models import User

EDITABLE = frozenset({"name", "purpose", "is_active"})
MAX_TEXTS = 20
MAX_TEMPLATE_BODY = 100_000
MAX_TEMPLATE_SUBJECT = 200
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,4})?$")  # at most 8 characters: "pt-br", "zh-hant"


def can_edit_templates(actor: Any) -> bool:
    """Administrators and managers keep the templates."""
    policy = actor.policy
    return policy.can_administer or (policy.can_write and getattr(actor, "role", "") == Role.MANAGER)


def _require_edit(actor: User) -> None:
    require_write(actor)
    if not can_edit_templates(actor):
        raise PermissionDenied(_("only administrators and managers may change e-mail templates"))


def _variables(where: str, text: str, errors: list[FieldError]) -> None:
    for name in templating.unknown_variables(text):
        errors.append(FieldError(where, "unknown_variable", _("{{ %(name)s }} is not a variable; use one of: %(known)s")
                                 % {"name": name, "known": ", ".join(templating.VARIABLES)}))  # fmt: skip


def _one_text(index: int, raw: Any, seen: set[str], errors: list[FieldError]) -> dict[str, str] | None:
    where = f"texts[{index}]"
    if not isinstance(raw, dict) or set(raw) - {"language", "subject", "body"}:
        errors.append(FieldError(where, "invalid", _("give a language, a subject and a text")))
        return None
    language = str(raw.get("language") or "").strip().lower().replace("_", "-")
    subject = str(raw.get("subject") or "").strip()
    body = str(raw.get("body") or "")
    before = len(errors)
    if not LANGUAGE_CODE.match(language):
        errors.append(FieldError(f"{where}.language", "invalid", _("a language code such as en, hu or pt-br")))
    elif language in seen:
        errors.append(FieldError(f"{where}.language", "duplicate", _("this language has a text already")))
    seen.add(language)
    if not subject:
        errors.append(FieldError(f"{where}.subject", "required", _("This field cannot be blank.")))
    elif len(subject) > MAX_TEMPLATE_SUBJECT or composing.breaks_header(subject):
        errors.append(FieldError(f"{where}.subject", "invalid", _("one line of at most %(n)d characters")
                                 % {"n": MAX_TEMPLATE_SUBJECT}))  # fmt: skip
    if len(body) > MAX_TEMPLATE_BODY or "\x00" in body:
        errors.append(FieldError(f"{where}.body", "invalid", _("at most %(n)d characters") % {"n": MAX_TEMPLATE_BODY}))
    _variables(f"{where}.subject", subject, errors)
    _variables(f"{where}.body", body, errors)
    return {"language": language, "subject": subject, "body": body} if len(errors) == before else None


def _clean_texts(raw: Any, errors: list[FieldError]) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_TEXTS:
        errors.append(FieldError("texts", "invalid", _("give 1 to %(n)d texts, one per language") % {"n": MAX_TEXTS}))
        return []
    seen: set[str] = set()
    cleaned = [_one_text(index, text, seen, errors) for index, text in enumerate(raw)]
    return [text for text in cleaned if text is not None]


def _clean(values: dict[str, Any], current: EmailTemplate | None) -> tuple[dict[str, Any], list[dict] | None]:
    values = dict(values)
    errors: list[FieldError] = []
    raw_texts = values.pop("texts", None)
    texts = _clean_texts(raw_texts, errors) if raw_texts is not None or current is None else None
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_values(EmailTemplate, values, allowed=EDITABLE)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    name = cleaned.get("name", current.name if current is not None else "")
    if "name" not in {e.field for e in errors}:
        if not (name or "").strip():
            errors.append(FieldError("name", "required", _("This field cannot be blank.")))
        else:
            taken = EmailTemplate.objects.filter(name=name)
            if current is not None:
                taken = taken.exclude(pk=current.pk)
            if taken.exists():
                errors.append(FieldError("name", "duplicate", _("a template has this name already")))
    if errors:
        raise ValidationFailed(errors)
    return cleaned, texts


def _logged(texts: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(({"language": t["language"], "subject": t["subject"], "body": t["body"]} for t in texts),
                  key=lambda t: t["language"])  # fmt: skip


def _current_texts(template: EmailTemplate) -> list[dict[str, str]]:
    rows = EmailTemplateText.objects.filter(template=template).values("language", "subject", "body")
    return _logged(list(rows))


def _write_texts(template: EmailTemplate, texts: list[dict[str, str]]) -> None:
    EmailTemplateText.objects.filter(template=template).delete()
    EmailTemplateText.objects.bulk_create([EmailTemplateText(template=template, **text) for text in texts])


def email_template_create(*, actor: User, values: dict[str, Any]) -> EmailTemplate:
    """A template with its texts (`values["texts"]`: [{language, subject, body}], at least one)."""
    _require_edit(actor)
    cleaned, texts = _clean(values, None)
    cleaned.setdefault("owner", actor)
    cleaned.setdefault("team", actor.team)

    def after_insert(template: EmailTemplate) -> dict[str, list[Any]]:
        _write_texts(template, texts or [])
        return {"texts": [None, _logged(texts or [])]}

    return records.create_record(
        EmailTemplate, actor=actor, values=cleaned, action="email_template.create", after_insert=after_insert
    )


def email_template_update(
    *, actor: User, template: EmailTemplate, values: dict[str, Any], expected_version: int | None = None,
    merge: bool = False,
) -> EmailTemplate:  # fmt: skip
    """Change a template at `expected_version`; `texts`, when given, replace all of its texts."""
    _require_edit(actor)
    cleaned, texts = _clean(values, template)

    def after_write(current: EmailTemplate) -> dict[str, list[Any]]:
        if texts is None:
            return {}
        before = _current_texts(current)
        after = _logged(texts)
        if before == after:
            return {}
        _write_texts(current, texts)
        return {"texts": [before, after]}

    return records.update_record(
        template, actor=actor, values=cleaned, action="email_template.update", expected_version=expected_version,
        merge=merge, after_write=after_write, touched=("texts",) if texts is not None else (),
    )  # fmt: skip


def email_template_trash(*, actor: User, template: EmailTemplate, expected_version: int | None = None) -> EmailTemplate:
    """Move a template to the trash (e-mails written with it keep their text); its name is free again."""
    _require_edit(actor)
    return records.trash_record(template, actor=actor, action="email_template.trash", expected_version=expected_version)
