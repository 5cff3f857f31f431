"""Every write of the channels app (DESIGN.md rule 1): e-mails out and in, templates, mailboxes,
SMS, telephony events. Each concept is a module here; import the actions from this package."""

# --- e-mail in: mailboxes, their leases, receiving, triage ---------------------------------------
from clientela.channels.actions.inbound import Received, email_receive, mailbox_message_failed
from clientela.channels.actions.mailbox_leases import (
    mailbox_lease,
    mailbox_progress,
    mailbox_release,
)
from clientela.channels.actions.mailboxes import mailbox_create, mailbox_trash, mailbox_update
from clientela.channels.actions.triage import (
    triage_create_contact,
    triage_create_lead,
    triage_dismiss,
)

__all__ = [
    "Received", "email_receive", "mailbox_create", "mailbox_lease", "mailbox_message_failed", "mailbox_progress",
    "mailbox_release", "mailbox_trash", "mailbox_update", "triage_create_contact", "triage_create_lead",
    "triage_dismiss",
]  # fmt: skip

# --- SMS out and its delivery reports; the telephony system's call events --------------------------
from clientela.channels.actions.sms import (
    sms_delivery_report,
    sms_failed,
    sms_queue,
    sms_requeue_stalled,
    sms_sent,
)
from clientela.channels.actions.telephony import CallLogged, call_event_record

__all__ += [
    "CallLogged", "call_event_record", "sms_delivery_report", "sms_failed", "sms_queue", "sms_requeue_stalled",
    "sms_sent",
]  # fmt: skip

# --- e-mail out: templates, queueing, the worker's attempts ---------------------------------------
from clientela.channels.actions.email_delivery import (  # noqa: E402
    email_attempt_failed,
    email_claim,
    email_sent,
    emails_requeue_stalled,
)
from clientela.channels.actions.emails import email_queue  # noqa: E402
from clientela.channels.actions.templates import (  # noqa: E402
    email_template_create,
    email_template_trash,
    email_template_update,
)

__all__ += [
    "email_attempt_failed", "email_claim", "email_queue", "email_sent", "email_template_create",
    "email_template_trash", "email_template_update", "emails_requeue_stalled",
]  # fmt: skip
from clientela.channels.actions.invitations import meeting_invite  # noqa: E402

__all__ += ["meeting_invite"]
