"""The channels through which customers are reached and reach us: e-mail out (through the
configured SMTP server) and in (from IMAP mailboxes), SMS through an HTTP gateway, and the
telephony system's call events. Each message that goes out or comes in is also an activity on
the timeline (`activities.Activity`), which is what people read; the rows here keep what the
protocol needs: addresses, Message-IDs and threading, delivery state, attachments."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clientela.core.choices import TextChoices
from clientela.core.models import Record


class Mailbox(Record):
    """An IMAP mailbox the worker reads: a user's own (owner) or a team's shared one (team, no
    owner). The password is kept encrypted with the installation's secret key."""

    class Security(TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("None (local servers only)")

    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address"), max_length=254)
    host = models.CharField(_("IMAP server"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(_("user name"), max_length=200)
    password_encrypted = models.TextField(blank=True)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    use_idle = models.BooleanField(_("wait for new mail (IDLE)"), default=False)
    poll_seconds = models.PositiveIntegerField(_("check every (seconds)"), default=120)
    is_active = models.BooleanField(_("active"), default=True)
    # Where reading stopped: the folder's UIDVALIDITY and the last UID imported.
    uid_validity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, editable=False)
    # The worker holding the mailbox (one reader at a time) until this moment.
    leased_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = _("mailboxes")
        indexes = [models.Index(fields=["team", "owner"], name="mailbox_scope_idx")]

    def __str__(self) -> str:
        return self.name


class EmailStatus(TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", pgettext_lazy("state of an e-mail", "Sent")
    FAILED = "failed", pgettext_lazy("state of an e-mail", "Failed")
    BOUNCED = "bounced", _("Bounced")
    RECEIVED = "received", _("Received")


class EmailDirection(TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class EmailTemplate(Record):
    """A reusable e-mail: a subject and body per language, with variables
    (`{{ contact.first_name }}`, `{{ organization.name }}`, `{{ deal.name }}`, `{{ user.name }}`)."""

    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(deleted_at__isnull=True), name="email_template_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EmailTemplateText(models.Model):
    """A template's subject and body in one language."""

    template = models.ForeignKey(EmailTemplate, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["template", "language"]
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="email_template_text_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id} [{self.language}]"


class Email(Record):
    """One e-mail, sent or received. Threads are kept by Message-ID, In-Reply-To and References
    (`thread` is the first message of the conversation we know of). A received one whose sender
    matches no contact waits in the triage inbox (`needs_triage`). Its text is on its activity's
    timeline entry; an HTML body is kept but never served as a page."""

    direction = models.CharField(_("direction"), max_length=10, choices=EmailDirection.choices)
    status = models.CharField(_("status"), max_length=10, choices=EmailStatus.choices)
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails", verbose_name=_("mailbox")
    )
    activity = models.OneToOneField(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="email",
    )  # fmt: skip
    contact = models.ForeignKey(
        "parties.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="emails",
        verbose_name=_("contact"),
    )  # fmt: skip
    organization = models.ForeignKey(
        "parties.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="emails",
        verbose_name=_("organization"),
    )  # fmt: skip
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.PROTECT, related_name="emails", verbose_name=_("deal")
    )
    template = models.ForeignKey(
        EmailTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails",
        verbose_name=_("template"),
    )  # fmt: skip
    # The purpose of processing the e-mail serves (privacy.Purpose): one that rests on consent is
    # sent only to contacts who gave it; none is correspondence in the company's legitimate interest.
    purpose = models.ForeignKey(
        "privacy.Purpose", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("purpose of processing"),
    )  # fmt: skip
    language = models.CharField(_("language"), max_length=8, blank=True)
    from_address = models.EmailField(_("from"), max_length=254)
    from_name = models.CharField(max_length=200, blank=True)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    in_reply_to = models.CharField(max_length=300, blank=True)
    references = models.TextField(blank=True)
    thread = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    needs_triage = models.BooleanField(_("needs triage"), default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    # The e-mail a delivery status notification (a bounce) reports on.
    bounce_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="bounces", db_index=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "owner"], name="email_scope_idx"),
            models.Index(fields=["message_id"], name="email_message_id_idx"),
            models.Index(fields=["thread", "id"], name="email_thread_idx"),
            models.Index(fields=["contact", "id"], name="email_contact_idx"),
            models.Index(fields=["created_at"], name="email_triage_idx", condition=models.Q(needs_triage=True)),
            # The worker's sweep for e-mails waiting to go out whose job was lost (migration 0002).
            models.Index(fields=["updated_at"], name="email_queued_idx", condition=models.Q(status="queued")),
        ]
        constraints = [
            # A message is imported once, whichever mailboxes it arrives in.
            models.UniqueConstraint(
                fields=["message_id"], condition=~models.Q(message_id=""), name="email_message_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id


class EmailAttachment(models.Model):
    """A file sent with or received in an e-mail, stored under the data directory by its
    SHA-256 (never where a browser could open it as a page). `content_type` is what its bytes
    are (checked by content), `declared_type` what the message said."""

    email = models.ForeignKey(Email, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    declared_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # Too big or refused: kept as a name and a reason, without its bytes.
    refused = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["email", "id"]

    def __str__(self) -> str:
        return self.filename


class MailboxMessage(models.Model):
    """A message seen in a mailbox at a UID, so reading again never imports it twice (and a
    message that could not be read is skipped with its reason)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="seen")
    uid_validity = models.BigIntegerField()
    uid = models.BigIntegerField()
    email = models.ForeignKey(Email, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    problem = models.CharField(max_length=500, blank=True)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uid_validity", "uid"], name="mailbox_message_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.uid_validity}:{self.uid}"


class SmsStatus(TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", pgettext_lazy("state of an SMS", "Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", pgettext_lazy("state of an SMS", "Failed")
    RECEIVED = "received", _("Received")


class Sms(Record):
    """A text message to or from a phone number (E.164), through the SMS gateway."""

    direction = models.CharField(_("direction"), max_length=10, choices=EmailDirection.choices)
    status = models.CharField(_("status"), max_length=10, choices=SmsStatus.choices)
    number = models.CharField(_("phone number"), max_length=20)
    body = models.TextField(_("text"))
    contact = models.ForeignKey(
        "parties.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="sms",
        verbose_name=_("contact"),
    )  # fmt: skip
    activity = models.OneToOneField(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="sms"
    )
    purpose = models.ForeignKey(
        "privacy.Purpose", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("purpose of processing"),
    )  # fmt: skip
    provider_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("SMS")
        indexes = [
            models.Index(fields=["team", "owner"], name="sms_scope_idx"),
            models.Index(fields=["provider_id"], name="sms_provider_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.body[:40]}"
