"""Pages for importing files (upload, mapping + preview, job status) and the export endpoint."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from clientela.core.errors import PermissionDenied
from clientela.parties import actions, exporting, import_jobs, listing
from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing.mapping import MappingError, resolve, targets
from clientela.parties.importing.reading import ImportFileError, StoredTable
from clientela.parties.importing.rows import MATCH_UPDATE, VALID_ROWS_ONLY
from clientela.parties.models import ImportJob
from clientela.parties.preview_jobs import PREVIEW_ROWS, enqueue_file_read, waiting_for_reader
from clientela.parties.tasks import enqueue_import

MAX_UPLOAD_BYTES = 512 * 1024 * 1024
OUTCOME_LABELS = {
    "create": gettext_lazy("create"),
    "update": gettext_lazy("update"),
    "unchanged": gettext_lazy("unchanged"),
    "skip": gettext_lazy("skip"),
    "error": gettext_lazy("error"),
}
EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")
RECENT_JOBS = 20
PREVIEW_FIELDS = ("file_headers", "file_sample", "suggested_mapping")  # not read by the list of jobs
SHOWN_ERRORS = 200


class UploadForm(forms.Form):
    entity = forms.ChoiceField(
        label=gettext_lazy("Import"),
        choices=[("contact", gettext_lazy("Contacts")), ("organization", gettext_lazy("Organizations"))],
        initial="contact",
    )
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))

    def clean_file(self) -> Any:
        return checked_upload(self.cleaned_data["file"], MAX_UPLOAD_BYTES)


def checked_upload(upload: Any, max_bytes: int) -> Any:
    """An uploaded import file: a .csv or .xlsx name, not empty, at most `max_bytes`."""
    if not upload.name.lower().endswith(EXTENSIONS):
        raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
    if upload.size > max_bytes:
        raise forms.ValidationError(_("The file is larger than %(size)s MB.") % {"size": max_bytes >> 20})
    if upload.size == 0:
        raise forms.ValidationError(_("The file is empty."))
    return upload


class OptionsForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("If some rows have errors"), choices=ImportJob.Mode.choices,
                             widget=forms.RadioSelect)  # fmt: skip
    match = forms.ChoiceField(label=gettext_lazy("When a row matches an existing record"),
                              choices=ImportJob.Match.choices, widget=forms.RadioSelect)  # fmt: skip
    dry_run = forms.BooleanField(label=gettext_lazy("Dry run: check the whole file, write nothing"), required=False)


def _require_importer(request: HttpRequest) -> None:
    policy = request.user.policy
    if not (policy.can_write and policy.can_import):
        raise DjangoPermissionDenied(_("Your role may not import records."))


def _job_for(request: HttpRequest, public_id: Any) -> ImportJob:
    """A job its creator (or an administrator) may look at; 404 for anyone else."""
    jobs = ImportJob.objects.select_related("created_by")
    if not request.user.policy.can_administer:
        jobs = jobs.filter(created_by=request.user)
    job = jobs.filter(public_id=public_id).first()
    if job is None:
        raise Http404(_("No such import."))
    return job


@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = actions.import_job_create(
            actor=request.user, entity=form.cleaned_data["entity"], upload=form.cleaned_data["file"]
        )
        enqueue_file_read(job, actor=request.user)  # the worker reads it: this request does not
        return redirect("imports:mapping", public_id=job.public_id)
    jobs = ImportJob.objects.filter(created_by=request.user).defer(*PREVIEW_FIELDS)[:RECENT_JOBS]
    return render(request, "parties/import/index.html", {"form": form, "jobs": jobs})


def _mapping_from_post(request: HttpRequest, headers: list[str]) -> dict[str, str]:
    return {header: request.POST.get(f"map-{index}", "") for index, header in enumerate(headers)}


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Choose the column mapping and options, see a preview of the first rows, start.

    The file is read by the job worker (`preview_jobs.read_import_file`); until it is, the page
    says so and polls. The preview runs on the rows the worker kept, never on the file."""
    _require_importer(request)
    job = _job_for(request, public_id)
    if job.status != ImportJob.Status.DRAFT:
        return redirect("imports:job", public_id=job.public_id)
    if job.read_at is None:
        return _reading(request, job)
    if request.htmx and request.method == "GET":  # the reading page's poll: the file is read, load the page
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    if job.file_error:
        return render(request, "parties/import/mapping.html", {"job": job, "file_error": job.file_error}, status=400)
    available = targets(job.entity)
    problem = ""
    headers = list(job.file_headers)
    chosen = (
        _mapping_from_post(request, headers)
        if request.method == "POST"
        else (job.mapping or job.suggested_mapping or None)
    )
    try:
        resolved = resolve(job.entity, headers, chosen, available)
    except MappingError as error:
        problem = str(error)
        resolved = {h: (chosen or {}).get(h, "") for h in headers}
    initial = {"mode": job.mode, "match": job.match, "dry_run": job.dry_run}
    form = OptionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("action") == "start" and not problem and form.is_valid():
        actions.import_job_configure(
            actor=request.user, job=job, mapping=resolved, mode=form.cleaned_data["mode"],
            match=form.cleaned_data["match"], dry_run=form.cleaned_data["dry_run"],
        )  # fmt: skip
        enqueue_import(job, actor=request.user)
        return redirect("imports:job", public_id=job.public_id)
    preview = None
    if not problem:
        options = ImportOptions(
            entity=job.entity, mapping=resolved, dry_run=True, max_rows=PREVIEW_ROWS, preview_rows=PREVIEW_ROWS,
            match=form.data.get("match", job.match) if form.is_bound else job.match,
            mode=VALID_ROWS_ONLY,
        )  # fmt: skip
        if options.match not in ImportJob.Match.values:
            options.match = MATCH_UPDATE
        try:
            preview = run_import(StoredTable(headers, job.file_sample), actor=request.user, options=options)
        except (ImportFileError, MappingError) as error:
            problem = str(error)
        except PermissionDenied as error:
            raise DjangoPermissionDenied(str(error)) from None
    shown = [key for key in available if key in resolved.values()]
    context = {
        "job": job,
        "columns": [(index, header, resolved.get(header, "")) for index, header in enumerate(headers)],
        "targets": [(key, str(t.label)) for key, t in available.items()],
        "labels": {key: str(t.label) for key, t in available.items()},
        "shown": [(key, str(available[key].label)) for key in shown],
        "form": form,
        "problem": problem,
        "preview": preview,
        "outcomes": OUTCOME_LABELS,
    }
    template = "parties/import/mapping.html#preview" if request.htmx else "parties/import/mapping.html"
    return render(request, template, context)


def _reading(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """The page while the worker reads the file: it polls itself until the file is read."""
    if job.read_queued_at is None:  # a draft uploaded before files were read by the worker
        enqueue_file_read(job, actor=request.user)
    context = {"job": job, "reading": True, "waiting_for_worker": waiting_for_reader(job, timezone.now())}
    template = "parties/import/mapping.html#reading" if request.htmx else "parties/import/mapping.html"
    return render(request, template, context)


@login_required
@require_GET
def job_status(request: HttpRequest, public_id: Any) -> HttpResponse:
    job = _job_for(request, public_id)
    errors = job.errors[:SHOWN_ERRORS]
    template = "parties/import/job.html#progress" if request.htmx else "parties/import/job.html"
    now = timezone.now()
    context = {"job": job, "errors": errors, "now": now, "waiting_for_worker": job.waiting_for_worker(now)}
    return render(request, template, context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def job_errors(request: HttpRequest, public_id: Any) -> StreamingHttpResponse:
    """The job's error report as CSV: row, column, message, then the row as it was in the file
    (under the file's own headers, while the file is kept), so it can be corrected and
    imported again; every cell formula-neutralised like every export."""
    job = _job_for(request, public_id)
    headers, originals = import_jobs.original_rows(job, {int(row) for row, _column, _message in job.errors})

    def lines() -> Any:
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow([_("Row"), _("Column"), _("Message"), *headers])
        for row, column, message in job.errors:
            cells = [exporting.neutralise(str(cell)) for cell in originals.get(int(row), [])]
            yield writer.writerow([row, exporting.neutralise(str(column)), exporting.neutralise(str(message)), *cells])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stem = Path(job.original_name).stem[:80] or "import"
    response["Content-Disposition"] = f'attachment; filename="{_safe_name(stem)}-errors.csv"'
    return response


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """`?entity=contact|organization&format=csv|xlsx` plus the list page's filters."""
    if not request.user.policy.can_export:
        raise DjangoPermissionDenied(_("Your role may not export records."))
    entity = request.GET.get("entity", "contact").removesuffix("s")
    if entity not in listing.ENTITIES:
        raise Http404(_("Unknown list."))
    file_format = request.GET.get("format", "csv")
    if file_format not in exporting.FORMATS:
        raise Http404(_("Unknown format."))
    filters = listing.parse_filters(entity, request.GET, listing.filterable_fields(entity))
    queryset = listing.filtered(request.user, filters)
    table = exporting.rows(request.user, entity, queryset)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    name = f"{entity}s-{stamp}"
    if file_format == "csv":
        response: HttpResponse = StreamingHttpResponse(
            exporting.csv_chunks(table), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    output = exporting.xlsx_file(table, title=entity)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"{name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
