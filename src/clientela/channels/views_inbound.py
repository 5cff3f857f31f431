"""Pages of e-mail in: the triage inbox (mail from senders no contact has: create a contact or
a lead from it, or dismiss it), the files of received e-mails (always downloaded, never shown
as a page), and the mailboxes settings page (everyone's own mailboxes; administrators also the
teams' shared ones), with a button that tries the connection. A mailbox's password is never
sent back to the browser."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientela.accounts.models import Team
from clientela.channels import actions, queries
from clientela.channels.actions.mailboxes import can_manage, is_local_host
from clientela.channels.inbound import attachments
from clientela.channels.inbound.credentials import PasswordUnreadable
from clientela.channels.inbound.imap import ImapError, check_connection, server_settings
from clientela.channels.models import Mailbox
from clientela.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

INBOX_PAGE = 25
TEST_TIMEOUT = 10.0  # seconds a page waits for the mail server
# What a downloaded file may be sent as; anything else goes as application/octet-stream.
SERVED_TYPES = frozenset({
    "application/pdf", "image/png", "image/jpeg", "image/gif", "application/zip", "text/plain",
    *attachments._OFFICE.values(),
})  # fmt: skip


# --- the triage inbox --------------------------------------------------------------------------------


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.triage_emails(request.user), INBOX_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "emails": list(page.object_list), "refusals": attachments.REFUSALS}
    return render(request, "channels/inbox.html", context)


@login_required
@require_POST
def inbox_act(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Create a contact or a lead from a waiting e-mail, or dismiss it."""
    try:
        email = queries.email_get(request.user, public_id)
    except NotFound:
        raise Http404(_("no such e-mail")) from None
    operation = request.POST.get("operation", "")
    done: dict[str, Any] = {"email": email, "operation": operation}
    try:
        if operation == "contact":
            done["contact"] = actions.triage_create_contact(actor=request.user, email=email)
            note = _("Contact created; the e-mail is on its timeline.")
        elif operation == "lead":
            done["lead"] = actions.triage_create_lead(actor=request.user, email=email)
            note = _("Lead created.")
        elif operation == "dismiss":
            actions.triage_dismiss(actor=request.user, email=email)
            note = _("Dismissed.")
        else:
            return HttpResponse(status=400)
    except PermissionDenied as refused:
        raise DjangoPermissionDenied(str(refused)) from None
    except (ValidationFailed, Conflict) as failed:
        errors = failed.errors if isinstance(failed, ValidationFailed) else []
        text = "; ".join(str(e.message) for e in errors) or _("Somebody changed this e-mail meanwhile.")
        if request.htmx:
            row = {"email": email, "error": text, "refusals": attachments.REFUSALS}
            return render(request, "channels/_inbox_row.html", row, status=422)
        messages.error(request, text)
        return HttpResponseRedirect(reverse("channels:inbox"))
    if request.htmx:
        return render(request, "channels/_inbox_done.html", {**done, "note": note})
    messages.success(request, note)
    return HttpResponseRedirect(reverse("channels:inbox"))


@login_required
@require_GET
def email_file(request: HttpRequest, public_id: Any, attachment_id: int) -> FileResponse:
    """A received file, as a download: typed by its bytes (never HTML), with its name."""
    try:
        found = queries.email_attachment_get(request.user, public_id, attachment_id)
        handle = attachments.open_stored(found.sha256)
    except (NotFound, FileNotFoundError, ValueError):
        raise Http404(_("no such file")) from None
    kind = found.content_type if found.content_type in SERVED_TYPES else attachments.OCTET_STREAM
    response = FileResponse(handle, as_attachment=True, filename=found.filename, content_type=kind)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- mailboxes -------------------------------------------------------------------------------------

FIELDS = ("name", "address", "host", "port", "security", "username", "folder", "poll_seconds")
CHECKBOXES = ("use_idle", "is_active")


def _posted(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {name: request.POST.get(name, "") for name in FIELDS}
    values.update({name: request.POST.get(name) == "1" for name in CHECKBOXES})
    if request.POST.get("password"):
        values["password"] = request.POST["password"]
    return values


def _shown(mailbox: Mailbox | None) -> dict[str, Any]:
    """A form's values (the password never among them)."""
    if mailbox is None:
        return {"port": 993, "security": Mailbox.Security.SSL, "folder": "INBOX", "poll_seconds": 120,
                "is_active": True, "use_idle": False}  # fmt: skip
    return {name: getattr(mailbox, name) for name in (*FIELDS, *CHECKBOXES)}


def _editing(request: HttpRequest) -> Mailbox | None:
    wanted = request.POST.get("mailbox") or request.GET.get("mailbox")
    if not wanted:
        return None
    try:
        return queries.mailbox_managed_get(request.user, wanted)
    except NotFound:
        raise Http404(_("no such mailbox")) from None


@login_required
@require_http_methods(["GET", "POST"])
def mailboxes(request: HttpRequest) -> HttpResponse:
    """Your mailboxes (and, for administrators, the shared ones): add, change, remove."""
    editing = _editing(request)
    errors: list[Any] = []
    values = _shown(editing)
    if request.method == "POST":
        try:
            if request.POST.get("operation") == "trash" and editing is not None:
                actions.mailbox_trash(actor=request.user, mailbox=editing)
                messages.success(request, _("Mailbox removed; its e-mails stay."))
                return HttpResponseRedirect(reverse("channels:mailboxes"))
            values = _posted(request)
            if editing is None:
                shared = request.POST.get("shared") == "1"
                actions.mailbox_create(actor=request.user, values=values, shared=shared,
                                       team=request.POST.get("team") or None)  # fmt: skip
            else:
                version = request.POST.get("version", "")
                actions.mailbox_update(actor=request.user, mailbox=editing, values=values, merge=True,
                                       expected_version=int(version) if version.isdigit() else None)  # fmt: skip
        except PermissionDenied as refused:
            raise DjangoPermissionDenied(str(refused)) from None
        except ValidationFailed as failed:
            errors = failed.errors
            values.pop("password", None)
        except Conflict:
            errors = [_("Somebody changed this mailbox meanwhile; here it is as it is now.")]
            editing = queries.mailbox_managed_get(request.user, editing.public_id) if editing else None
            values = _shown(editing)
        else:
            messages.success(request, _("Mailbox saved."))
            return HttpResponseRedirect(reverse("channels:mailboxes"))
    context = {
        "mailboxes": queries.mailboxes_managed(request.user), "editing": editing, "values": values,
        "errors": errors, "securities": Mailbox.Security.choices,
        "teams": list(Team.objects.order_by("name")) if request.user.policy.can_administer else [],
    }  # fmt: skip
    return render(request, "channels/mailboxes.html", context, status=422 if errors else 200)


@login_required
@require_POST
def mailbox_test(request: HttpRequest) -> HttpResponse:
    """Try to sign in with the form's values (a saved mailbox's password unless a new one was
    typed); answers with a line to show under the form."""
    editing = _editing(request)
    if editing is not None and not can_manage(request.user, editing):
        raise DjangoPermissionDenied(_("you may not change this mailbox"))
    values = _posted(request)
    probe = Mailbox(**{name: values[name] for name in FIELDS if name not in ("poll_seconds",)})
    probe.port = int(values["port"]) if str(values["port"]).isdigit() else 0
    password = values.get("password")
    if editing is not None and not password:
        probe.password_encrypted = editing.password_encrypted
    ok, text = False, ""
    if not 1 <= probe.port <= 65535 or not probe.host or not probe.username:
        text = _("Fill in the server, port and user name first.")
    elif probe.security == Mailbox.Security.NONE and not is_local_host(probe.host):
        text = _("Without encryption the password would cross the network readable: choose SSL/TLS or STARTTLS.")
    else:
        try:
            state = check_connection(server_settings(probe, password=password or None, timeout=TEST_TIMEOUT))
            ok = True
            text = _("Signed in; the folder holds %(n)d messages.") % {"n": state.exists}
        except PasswordUnreadable:
            text = _("The stored password can no longer be read: type it again.")
        except ImapError as failure:
            text = str(failure)
    return render(request, "channels/_mailbox_test.html", {"ok": ok, "text": text})
