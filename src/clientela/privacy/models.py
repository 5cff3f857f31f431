"""What the company may do with a person's data, and what the person asked for.

A `Purpose` is a reason to process personal data (marketing by e-mail, profiling and
analytics, service, sales follow-up, ...) with its legal basis (GDPR Art. 6(1)); one that
rests on consent needs a `Consent` of the contact for it, on the channel used. A
`PolicyVersion` is the privacy policy in force from a date; a consent names the one the
person agreed to. A `Restriction` is the person's objection: to profiling, to a channel, to a
purpose or to the processing of named fields (Art. 18 and 21). A `PrivacyRequest` is a data
subject's request (access and portability, rectification, erasure, objection: Art. 15-21) in
a queue with its one-month deadline (Art. 12(3)). `RetentionRule`s say how long a kind of
record is kept, applied by the worker and logged (`RetentionRun`). `SensitiveRead` is the
audit of who read a sensitive field. `Erasure` remembers which records were erased (by id,
never by name), so erasures can be applied again to a restored backup.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clientela.core.choices import TextChoices
from clientela.core.models import Record


class LegalBasis(TextChoices):
    """GDPR Art. 6(1) (a)-(f)."""

    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Contract")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    VITAL_INTERESTS = "vital_interests", _("Vital interests")
    PUBLIC_TASK = "public_task", _("Public task")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests")


class PurposeKind(TextChoices):
    MARKETING = "marketing", _("Marketing")
    PROFILING = "profiling", _("Profiling and analytics")
    SERVICE = "service", _("Service")
    SALES = "sales", _("Sales follow-up")
    OTHER = "other", pgettext_lazy("kind of purpose", "Other")


class ContactChannel(TextChoices):
    """The ways the company reaches a person; "" on a purpose or a consent means every one."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")


class Purpose(Record):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=PurposeKind.choices, default=PurposeKind.OTHER)
    legal_basis = models.CharField(_("legal basis"), max_length=24, choices=LegalBasis.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=ContactChannel.choices, blank=True)
    double_opt_in = models.BooleanField(_("consent needs confirming (double opt-in)"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["team", "owner"], name="purpose_scope_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_consent(self) -> bool:
        return self.legal_basis == LegalBasis.CONSENT


class PolicyVersion(Record):
    name = models.CharField(_("version"), max_length=20, unique=True)
    effective_from = models.DateField(_("in force from"))
    summary = models.TextField(_("summary"), blank=True)
    url = models.URLField(_("address of the full text"), max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        indexes = [models.Index(fields=["team", "owner"], name="policy_scope_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%Y-%m-%d})"


class ConsentStatus(TextChoices):
    GRANTED = "granted", _("Granted")
    PENDING = "pending", _("Awaiting confirmation")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REFUSED = "refused", _("Refused")


class CaptureSource(TextChoices):
    PAGE = "page", _("Entered on a page")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    FORM = "form", _("Public form")
    EMAIL = "email", _("E-mail confirmation")


class Consent(Record):
    """A contact's consent for a purpose on a channel ("" = every channel of the purpose).

    One row per (contact, purpose, channel) holds the current state; every change is an event of
    the change log with its old and new values, so the history is complete.
    """

    contact = models.ForeignKey("parties.Contact", on_delete=models.CASCADE, related_name="consents")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="consents", verbose_name=_("purpose"))
    channel = models.CharField(_("channel"), max_length=8, choices=ContactChannel.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ConsentStatus.choices)
    captured_at = models.DateTimeField(_("when"))
    source = models.CharField(_("captured by"), max_length=8, choices=CaptureSource.choices)
    form = models.CharField(_("form"), max_length=200, blank=True)
    policy_version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("privacy policy"),
    )  # fmt: skip
    evidence = models.TextField(_("evidence"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["purpose__name", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "purpose", "channel"], name="consent_contact_purpose_channel")
        ]
        indexes = [
            models.Index(fields=["team", "owner"], name="consent_scope_idx"),
            models.Index(fields=["purpose", "status"], name="consent_purpose_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose_id}/{self.channel or '*'}: {self.status}"

    def in_force(self, day: dt.date) -> bool:
        """Granted, confirmed where the purpose asks for it, and valid on `day`."""
        if self.status != ConsentStatus.GRANTED:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


class RestrictionKind(TextChoices):
    PROFILING = "profiling", _("Profiling and analytics")
    CHANNEL = "channel", _("A channel")
    PURPOSE = "purpose", _("A purpose")
    FIELDS = "fields", _("Named fields")


class Restriction(Record):
    """An objection (Art. 21) or a restriction of processing (Art. 18), in force until lifted."""

    contact = models.ForeignKey("parties.Contact", on_delete=models.CASCADE, related_name="restrictions")
    kind = models.CharField(_("objects to"), max_length=10, choices=RestrictionKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=ContactChannel.choices, blank=True)
    purpose = models.ForeignKey(
        Purpose, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("purpose")
    )
    fields = models.JSONField(_("fields"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    starts_at = models.DateTimeField(_("from"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["team", "owner"], name="restriction_scope_idx"),
            models.Index(fields=["contact"], name="restriction_live_idx", condition=models.Q(lifted_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel or self.purpose_id or ','.join(self.fields)}"


class RequestType(TextChoices):
    ACCESS = "access", _("Access and portability")
    RECTIFICATION = "rectification", _("Rectification")
    ERASURE = "erasure", _("Erasure")
    OBJECTION = "objection", _("Objection")


class RequestStatus(TextChoices):
    OPEN = "open", _("Open")
    VERIFIED = "verified", _("Identity verified")
    DONE = "done", _("Fulfilled")
    REJECTED = "rejected", _("Rejected")


class PrivacyRequest(Record):
    """A data subject's request, due one month after it was received (GDPR Art. 12(3))."""

    contact = models.ForeignKey(
        "parties.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="privacy_requests"
    )
    type = models.CharField(_("type"), max_length=14, choices=RequestType.choices)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    received_at = models.DateTimeField(_("received"))
    due_on = models.DateField(_("due"))
    channel = models.CharField(_("received by"), max_length=100, blank=True)
    details = models.TextField(_("what the person asks"), blank=True)
    verification = models.TextField(_("identity verification"), blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    # What an objection or a rectification asks for: {"kind": ..., "channel": ..., "purpose": ..., "fields": [...]}
    # or {"values": {...}}.
    payload = models.JSONField(default=dict, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)
    export_file = models.CharField(max_length=300, blank=True, editable=False)
    export_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["team", "owner"], name="privacyrequest_scope_idx"),
            models.Index(fields=["status", "due_on"], name="privacyrequest_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} ({self.status})"


class Erasure(models.Model):
    """A record erased, by id only: what to erase again after a backup is restored."""

    id = models.BigAutoField(primary_key=True)
    record_type = models.CharField(max_length=80)
    record_id = models.UUIDField()
    erased_at = models.DateTimeField()
    request = models.ForeignKey(PrivacyRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rows_changed = models.PositiveIntegerField(default=0)
    files_removed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at"]
        constraints = [models.UniqueConstraint(fields=["record_type", "record_id"], name="erasure_record")]

    def __str__(self) -> str:
        return f"{self.record_type}:{self.record_id}"


class RetentionAction(TextChoices):
    TRASH = "trash", _("Move to the trash")
    ERASE = "erase", _("Erase (anonymise)")


class RetentionRule(Record):
    """Keep records of a type no longer than `months` after their last activity."""

    name = models.CharField(_("name"), max_length=100)
    record_type = models.CharField(_("records"), max_length=40)
    months = models.PositiveSmallIntegerField(_("months without activity"))
    action = models.CharField(_("then"), max_length=8, choices=RetentionAction.choices, default=RetentionAction.TRASH)
    active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(_("last applied"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["team", "owner"], name="retentionrule_scope_idx")]

    def __str__(self) -> str:
        return self.name


class RetentionRun(models.Model):
    """One application of a rule: what it found and did."""

    id = models.BigAutoField(primary_key=True)
    rule = models.ForeignKey(RetentionRule, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cutoff = models.DateTimeField()
    found = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # The public ids handled (never names), so the log says which records went.
    records = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.rule_id} at {self.started_at:%Y-%m-%d %H:%M}: {self.done}/{self.found}"


class SensitiveRead(models.Model):
    """Who read a sensitive field of whom, when and through what (page, API, export)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    read_at = models.DateTimeField(db_index=True)
    via = models.CharField(max_length=20)
    record_type = models.CharField(max_length=80)
    record_ids = models.JSONField(default=list)  # public ids, at most a page of them
    count = models.PositiveIntegerField(default=1)
    fields = models.JSONField(default=list)

    class Meta:
        ordering = ["-read_at"]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.fields} of {self.count} {self.record_type} via {self.via}"
