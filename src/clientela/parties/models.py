"""Organizations, contacts and how they relate: one record per customer."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clientela.core.choices import TextChoices
from clientela.core.models import Record


class Tag(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationSize(TextChoices):
    MICRO = "1-9", _("1–9 employees")
    SMALL = "10-49", _("10–49 employees")
    MEDIUM = "50-249", _("50–249 employees")
    LARGE = "250-999", _("250–999 employees")
    ENTERPRISE = "1000+", _("1,000+ employees")


class LifecycleStage(TextChoices):
    TARGET = "target", _("Target")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    LOST = "lost", _("Lost")


class Channel(TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    FAX = "fax", _("Fax")
    LETTER = "letter", _("Letter")
    MEETING = "meeting", _("Meeting")
    WEB = "web", _("Web")
    CHAT = "chat", _("Chat")


class Gender(TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", pgettext_lazy("gender", "Other")
    UNDISCLOSED = "undisclosed", _("Prefers not to say")


class MaritalStatus(TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    PARTNERSHIP = "partnership", _("Civil partnership")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class IncomeBand(TextChoices):
    LOW = "low", _("Low")
    LOWER_MIDDLE = "lower_middle", _("Lower middle")
    MIDDLE = "middle", _("Middle")
    UPPER_MIDDLE = "upper_middle", _("Upper middle")
    HIGH = "high", _("High")


class Organization(Record):
    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True)
    tax_id_normalized = models.CharField(max_length=40, blank=True, editable=False)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=OrganizationSize.choices, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
        verbose_name=_("parent organization"),
    )
    customer_category = models.CharField(_("customer category"), max_length=60, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=12, choices=LifecycleStage.choices, default=LifecycleStage.TARGET
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="organizations", verbose_name=_("tags"))
    # Lower-cased names, e-mails, phones and tax id, kept by the actions for search.
    search_text = models.TextField(blank=True, editable=False)
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    # The name folded, in reading order: what a search ranks by (byte order on PostgreSQL,
    # so its index answers "names starting with ..." in order; migration 0012).
    name_sort = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["team", "owner"], name="org_scope_idx"),
            # equality look-ups only (duplicates): plain btree, no LIKE twin
            models.Index(fields=["name_key"], name="org_name_key_idx"),
            models.Index(fields=["tax_id_normalized"], name="org_tax_id_idx"),
            models.Index(fields=["deleted_at"], name="org_trash_idx", condition=models.Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(Record):
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, blank=True)
    marital_status = models.CharField(_("marital status"), max_length=12, choices=MaritalStatus.choices, blank=True)
    children = models.PositiveSmallIntegerField(_("children"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    income_band = models.CharField(_("income band"), max_length=14, choices=IncomeBand.choices, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=10, choices=Channel.choices, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=12, choices=LifecycleStage.choices, default=LifecycleStage.TARGET
    )
    customer_category = models.CharField(_("customer category"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts", verbose_name=_("tags"))
    # Denormalised by the actions: the primary e-mail/phone for lists, and search text.
    primary_email = models.CharField(max_length=254, blank=True, editable=False)
    primary_phone = models.CharField(max_length=40, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    # "kovacs anna": the last name first, folded (see Organization.name_sort).
    name_sort = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["team", "owner"], name="contact_scope_idx"),
            models.Index(fields=["name_key"], name="contact_name_key_idx"),
            models.Index(fields=["deleted_at"], name="contact_trash_idx", condition=models.Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactPoint(models.Model):
    """An e-mail address or phone number of a contact or an organization."""

    class Kind(TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")

    class Label(TextChoices):
        WORK = "work", _("Work")
        HOME = "home", pgettext_lazy("kind of e-mail, phone or address", "Home")
        MOBILE = "mobile", _("Mobile")
        FAX = "fax", _("Fax")
        OTHER = "other", pgettext_lazy("kind of e-mail, phone or address", "Other")

    # Indexed by the partial indexes in Meta: each row belongs to one side only.
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="points", db_index=False
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="points", db_index=False
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    label = models.CharField(max_length=8, choices=Label.choices, default=Label.WORK)
    value = models.CharField(max_length=254)
    # e-mail lower-cased; phone digits with country code, for duplicate detection
    normalized = models.CharField(max_length=254)
    is_primary = models.BooleanField(default=False)
    # An e-mail address that bounced (a delivery status notification said so): when, and why.
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False, organization__isnull=True)
                | models.Q(contact__isnull=True, organization__isnull=False),
                name="contactpoint_one_party",
            )
        ]
        # Look-ups by `normalized` (duplicates, import matching) use an index that migration
        # 0009 makes: a hash index on PostgreSQL (cheaper to keep up and to probe than a
        # btree over text), the btree (kind, normalized) elsewhere.
        indexes = [
            models.Index(
                fields=["contact"], name="contactpoint_contact_idx", condition=models.Q(contact__isnull=False)
            ),
            models.Index(
                fields=["organization"], name="contactpoint_org_idx", condition=models.Q(organization__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.value

    @property
    def e164(self) -> str | None:
        """A phone's number in E.164, when it could be read as one."""
        if self.kind == self.Kind.PHONE and self.normalized.startswith("+"):
            return self.normalized
        return None


class Address(models.Model):
    class Label(TextChoices):
        WORK = "work", _("Work")
        HOME = "home", pgettext_lazy("kind of e-mail, phone or address", "Home")
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")
        OTHER = "other", pgettext_lazy("kind of e-mail, phone or address", "Other")

    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    label = models.CharField(max_length=10, choices=Label.choices, default=Label.WORK)
    street = models.CharField(_("street"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False, organization__isnull=True)
                | models.Q(contact__isnull=True, organization__isnull=False),
                name="address_one_party",
            )
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.street, self.postal_code, self.city, self.country) if part)


class Affiliation(models.Model):
    """A contact's role at an organization."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="affiliations")
    role = models.CharField(_("role"), max_length=100, blank=True)
    is_primary = models.BooleanField(default=False)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [models.UniqueConstraint(fields=["contact", "organization", "role"], name="affiliation_unique")]

    def __str__(self) -> str:
        return f"{self.role or 'member'} ({self.contact_id} at {self.organization_id})"


class Relationship(models.Model):
    """A named link between two parties (contact or organization on each side)."""

    class Kind(TextChoices):
        REPORTS_TO = "reports_to", _("reports to")
        SPOUSE = "spouse", _("spouse of")
        FAMILY = "family", _("family of")
        REFERRED_BY = "referred_by", _("referred by")
        PARTNER = "partner", _("partner of")
        SUPPLIER = "supplier", _("supplier of")
        COMPETITOR = "competitor", _("competitor of")
        OTHER = "other", _("related to")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    from_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    from_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    to_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    to_organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class CustomField(models.Model):
    """A field an administrator adds to organizations or contacts."""

    class Entity(TextChoices):
        ORGANIZATION = "organization", _("Organization")
        CONTACT = "contact", _("Contact")

    class Type(TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        MULTI_CHOICE = "multi_choice", _("Multiple choice")
        BOOLEAN = "boolean", _("Yes/no")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entity = models.CharField(_("entity"), max_length=20, choices=Entity.choices)
    key = models.SlugField(_("key"), max_length=50, help_text=_("lower-case letters, digits and underscores"))
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entity", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="customfield_entity_key")]

    def __str__(self) -> str:
        return self.label


class SavedView(models.Model):
    """A named set of list filters a user keeps, optionally shared with everyone. `entity`: the
    key of the list it filters, as an app registered it (`savedviews.register_list`)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="saved_views")
    entity = models.CharField(_("entity"), max_length=20)
    name = models.CharField(_("name"), max_length=80)
    query_string = models.CharField(_("filters"), max_length=2000, blank=True)
    is_shared = models.BooleanField(_("shared with everyone"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "entity", "name"], name="savedview_user_entity_name")]

    def __str__(self) -> str:
        return self.name


# A queued import no worker picked up within this long: the job page says no worker seems to run.
WORKER_PICKUP_LIMIT = dt.timedelta(minutes=1)


class ImportJob(models.Model):
    """One import of a CSV/XLSX file, run in the background; its progress and error report."""

    class Status(TextChoices):
        DRAFT = "draft", _("Waiting for the mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    class Mode(TextChoices):
        ALL_OR_NOTHING = "all-or-nothing", _("All or nothing: write only if every row is valid")
        VALID_ROWS_ONLY = "valid-rows-only", _("Valid rows only: write the good rows, report the others")

    class Match(TextChoices):
        UPDATE = "update", _("Update the existing record")
        SKIP = "skip", _("Skip the row")
        CREATE = "create", _("Create a new record anyway")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entity = models.CharField(_("entity"), max_length=20, choices=CustomField.Entity.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    # What the worker read of the file for the mapping page (parties/preview_jobs.py): its headers,
    # the first rows ([[row number, [cells]], ...], capped), the automatic mapping, or why it
    # cannot be read; when that read was queued and when it was done.
    file_headers = models.JSONField(default=list, blank=True)
    file_sample = models.JSONField(default=list, blank=True)
    file_sample_cut = models.BooleanField(default=False)  # rows left out of the sample for their size
    suggested_mapping = models.JSONField(default=dict, blank=True)
    file_error = models.TextField(blank=True)
    read_queued_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    match = models.CharField(_("existing records"), max_length=10, choices=Match.choices, default=Match.UPDATE)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    # [[row, column, message], ...] (capped); error_count counts them all.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    written = models.BooleanField(default=False)
    message = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)  # when it was handed to the job worker
    created_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="import_jobs")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The lease (parties/import_lease.py): the process running the job ("host:pid:..."), when it
    # last said it is alive, how many times a worker took the job, the rows whose writing was
    # committed, and where the import went on after a worker stopped.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    committed_rows = models.PositiveIntegerField(default=0)
    resumed_from_row = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    def waiting_for_worker(self, now: dt.datetime) -> bool:
        """Queued for longer than a worker takes to pick a job up: no job worker seems to run."""
        return (
            self.status == self.Status.QUEUED
            and self.queued_at is not None
            and now - self.queued_at > WORKER_PICKUP_LIMIT
        )

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ImportJobBatch(models.Model):
    """A batch of a valid-rows-only import whose records were committed, written in the same
    transaction as they were: after a worker stopped, the import resumes by skipping exactly
    these rows, and its counts carry over from them."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="batches")
    first_row = models.PositiveIntegerField()  # file rows, as the errors name them (header = 1)
    last_row = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [[row, column, message], ...]

    class Meta:
        ordering = ["job", "first_row"]

    def __str__(self) -> str:
        return f"{self.job_id}: rows {self.first_row}-{self.last_row}"
