"""IMAP mailboxes: a user's own (they manage it; its mail is theirs) or a shared one of a team
(administrators manage it; its mail belongs to the team). Created, changed and trashed here,
each with one event; the password is stored encrypted (`inbound.credentials`) and is never
written into the change log — the event says only that it was set or changed.

Changing where the mailbox is (server, port, user name, folder) forgets where reading stopped:
the next check reads the folder from its start, and what was imported already is recognised by
its Message-ID.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.accounts.people import resolve_team
from clientela.channels.inbound.credentials import encrypt_password
from clientela.channels.models import Mailbox
from clientela.core import records
from clientela.core.errors import FieldError, PermissionDenied, ValidationFailed
from clientela.core.validation import check_text, clean_values
from clientela.core.visibility import require_write

if TYPE_CHECKING:
    from clientela.accounts.models import User

EDITABLE = frozenset({"name", "address", "host", "port", "security", "username", "folder", "use_idle",
                      "poll_seconds", "is_active"})  # fmt: skip
REQUIRED = ("name", "address", "host", "username")
WHERE = ("host", "port", "username", "folder")
MIN_POLL_SECONDS = 30
MAX_POLL_SECONDS = 24 * 3600
MAX_PASSWORD = 500
LOCAL_HOSTS = frozenset({"localhost", "localhost.localdomain"})


def can_manage(actor: User, mailbox: Mailbox) -> bool:
    """A personal mailbox is its owner's (and the administrators'); a shared one the administrators'."""
    if actor.policy.can_administer:
        return True
    return mailbox.owner_id is not None and mailbox.owner_id == actor.pk


def _require_manage(actor: User, mailbox: Mailbox) -> None:
    require_write(actor)
    if not can_manage(actor, mailbox):
        raise PermissionDenied(_("you may not change this mailbox"))


def is_local_host(host: str) -> bool:
    """A server on this machine (where a connection without encryption crosses no network)."""
    if host.lower() in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _clean(values: dict[str, Any], current: Mailbox | None) -> tuple[dict[str, Any], str | None]:
    """The mailbox's values and the new password (None: unchanged), every bad field at once."""
    values = dict(values)
    errors: list[FieldError] = []
    password = values.pop("password", None)
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_values(Mailbox, values, allowed=EDITABLE)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    bad = {e.field for e in errors}
    merged = {name: getattr(current, name) for name in EDITABLE} if current is not None else {}
    merged.update(cleaned)
    for name in REQUIRED:
        if name not in bad and not str(merged.get(name) or "").strip():
            errors.append(FieldError(name, "required", _("This field cannot be blank.")))
    port = merged.get("port")
    if "port" not in bad and port is not None and not 1 <= int(port) <= 65535:
        errors.append(FieldError("port", "invalid", _("from 1 to 65535")))
    poll = merged.get("poll_seconds")
    if "poll_seconds" not in bad and poll is not None and not MIN_POLL_SECONDS <= int(poll) <= MAX_POLL_SECONDS:
        errors.append(FieldError("poll_seconds", "invalid", _("from %(low)d to %(high)d seconds") % {
            "low": MIN_POLL_SECONDS, "high": MAX_POLL_SECONDS}))  # fmt: skip
    if merged.get("security") == Mailbox.Security.NONE and merged.get("host") and not is_local_host(merged["host"]):
        errors.append(FieldError("security", "invalid", _(
            "without encryption the password would cross the network readable: only for a server here")))  # fmt: skip
    if password is not None and not isinstance(password, str):
        errors.append(FieldError("password", "invalid", _("must be text")))
    elif password:
        check_text("password", password, errors)
        if len(password) > MAX_PASSWORD:
            errors.append(FieldError("password", "invalid", _("at most %(n)d characters") % {"n": MAX_PASSWORD}))
    elif current is None:
        errors.append(FieldError("password", "required", _("This field cannot be blank.")))
    if errors:
        raise ValidationFailed(errors)
    return cleaned, (password or None)


def _set_password(mailbox: Mailbox, password: str | None, before: bool) -> dict[str, list[Any]]:
    """Store the encrypted password; the event names the change, never the value."""
    if password is None:
        return {}
    Mailbox.all_objects.filter(pk=mailbox.pk).update(password_encrypted=encrypt_password(password))
    return {"password": ["(set)" if before else None, "(changed)" if before else "(set)"]}


def mailbox_create(*, actor: User, values: dict[str, Any], shared: bool = False, team: Any = None) -> Mailbox:
    """A mailbox of the actor's own; `shared` (administrators only) makes it the mailbox of
    `team` (or of nobody in particular: then administrators see its mail)."""
    require_write(actor)
    if shared and not actor.policy.can_administer:
        raise PermissionDenied(_("only administrators may add shared mailboxes"))
    cleaned, password = _clean(values, None)
    if shared:
        errors: list[FieldError] = []
        cleaned["team"] = resolve_team(team, errors)
        if errors:
            raise ValidationFailed(errors)
        cleaned["owner"] = None
    else:
        cleaned["owner"], cleaned["team"] = actor, actor.team

    def after_insert(mailbox: Mailbox) -> dict[str, list[Any]]:
        return _set_password(mailbox, password, before=False)

    return records.create_record(
        Mailbox, actor=actor, values=cleaned, action="mailbox.create", after_insert=after_insert
    )


def mailbox_update(
    *, actor: User, mailbox: Mailbox, values: dict[str, Any], expected_version: int | None = None,
    merge: bool = False,
) -> Mailbox:  # fmt: skip
    """Change a mailbox at `expected_version`; a password left empty stays as it was."""
    _require_manage(actor, mailbox)
    cleaned, password = _clean(values, mailbox)
    if any(name in cleaned and cleaned[name] != getattr(mailbox, name) for name in WHERE):
        cleaned["uid_validity"], cleaned["last_uid"] = None, 0

    def after_write(current: Mailbox) -> dict[str, list[Any]]:
        return _set_password(current, password, before=True)

    with transaction.atomic():
        return records.update_record(
            mailbox, actor=actor, values=cleaned, action="mailbox.update", expected_version=expected_version,
            merge=merge, after_write=after_write, touched=("password",) if password else (),
        )  # fmt: skip


def mailbox_trash(*, actor: User, mailbox: Mailbox, expected_version: int | None = None) -> Mailbox:
    """Stop reading the mailbox (its e-mails stay)."""
    _require_manage(actor, mailbox)
    return records.trash_record(mailbox, actor=actor, action="mailbox.trash", expected_version=expected_version)
