"""The lead import page: upload a CSV or XLSX file, check it (a dry run that shows the mapping,
the first rows and every error by row and column), adjust the mapping, then import.

The uploaded file is kept under the data directory between the check and the import, named
by a random token that only the uploader's session knows; it is deleted once imported, and
the worker deletes files left behind after a day (`tasks.purge_lead_import_files`).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from clientela.core.errors import PermissionDenied
from clientela.parties.importing.mapping import auto_map
from clientela.parties.importing.reading import ImportFileError
from clientela.parties.importing.rows import ALL_OR_NOTHING, VALID_ROWS_ONLY
from clientela.parties.rules import require_import
from clientela.parties.views_import import checked_upload
from clientela.sales import importing
from clientela.sales.entities import LEAD
from clientela.sales.importing import LeadImportReport, MappingError, upload_directory

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SESSION_KEY = "lead_imports"
KEPT_FILES = 5  # per session: the newest uploads
SHOWN_ERRORS = 200
OUTCOME_LABELS = {
    "create": gettext_lazy("create"),
    "skip": gettext_lazy("skip: a lead with this e-mail exists"),
    "error": gettext_lazy("error"),
}


class LeadImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"), required=False)
    mode = forms.ChoiceField(
        label=gettext_lazy("If some rows have errors"),
        choices=[
            (ALL_OR_NOTHING, gettext_lazy("Import nothing until every row is right")),
            (VALID_ROWS_ONLY, gettext_lazy("Import the valid rows, report the others")),
        ],
        initial=ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        return None if upload is None else checked_upload(upload, MAX_UPLOAD_BYTES)


def _keep(request: HttpRequest, upload: Any) -> str:
    """Store the upload under a fresh token remembered by the session; the oldest beyond
    KEPT_FILES are forgotten and deleted."""
    directory = upload_directory()
    directory.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(18)
    suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
    path = directory / f"{token}{suffix}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    kept: dict[str, dict[str, str]] = dict(request.session.get(SESSION_KEY, {}))
    kept[token] = {"path": path.name, "name": Path(upload.name).name[:200]}
    while len(kept) > KEPT_FILES:
        oldest = next(iter(kept))
        _forget(kept, oldest)
    request.session[SESSION_KEY] = kept
    return token


def _forget(kept: dict[str, dict[str, str]], token: str) -> None:
    entry = kept.pop(token, None)
    if entry is not None:
        (upload_directory() / entry["path"]).unlink(missing_ok=True)


def _kept_file(request: HttpRequest, token: str) -> tuple[Path, str] | None:
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry:
        return None
    path = upload_directory() / Path(entry["path"]).name
    return (path, entry["name"]) if path.is_file() else None


def _mapping_from(request: HttpRequest, headers_count: int) -> dict[int, str] | None:
    """The mapping the page posted: column index -> target key (the headers come from the file)."""
    chosen: dict[int, str] = {}
    for index in range(headers_count):
        key = f"map-{index}"
        if key in request.POST:
            chosen[index] = request.POST[key]
    return chosen or None


@login_required
@require_http_methods(["GET", "POST"])
def lead_import(request: HttpRequest) -> HttpResponse:
    try:
        require_import(request.user)
    except PermissionDenied as refused:
        raise DjangoPermissionDenied(str(refused)) from None
    form = LeadImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "targets": importing.lead_targets()}
    if request.method != "POST" or not form.is_valid():
        return render(request, "sales/lead_import.html", context, status=400 if form.errors else 200)
    token = request.POST.get("token", "")
    upload = form.cleaned_data["file"]
    if upload is not None:
        token = _keep(request, upload)
        overrides = None
    kept = _kept_file(request, token)
    if kept is None:
        form.add_error("file", _("Choose the file to import."))
        return render(request, "sales/lead_import.html", context, status=400)
    path, name = kept
    dry_run = request.POST.get("action") != "import"
    try:
        if upload is None:
            overrides = _overrides(request, path)
        report = importing.import_leads(
            path, actor=request.user, mapping=overrides, mode=form.cleaned_data["mode"], dry_run=dry_run
        )
    except (ImportFileError, MappingError) as problem:
        form.add_error(None, str(problem))
        context.update(token=token, file_name=name)
        if isinstance(problem, MappingError):  # the columns stay on the page, to be mapped
            headers = _headers(path)
            context.update(
                columns=list(enumerate(headers)),
                mapping=overrides or auto_map(LEAD.name, headers, importing.lead_targets()),
            )
        return render(request, "sales/lead_import.html", context, status=400)
    if report.written:
        sessions = dict(request.session.get(SESSION_KEY, {}))
        _forget(sessions, token)
        request.session[SESSION_KEY] = sessions
        token = ""
    context.update(token=token, file_name=name, report=report, **_shown(report))
    return render(request, "sales/lead_import.html", context, status=200 if report.ok or report.written else 400)


def _headers(path: Path) -> list[str]:
    with importing.open_table(path) as table:
        return list(table.headers)


def _overrides(request: HttpRequest, path: Path) -> dict[str, Any] | None:
    """The page's mapping (one select per column, by position) as {header: target}."""
    headers = _headers(path)
    chosen = _mapping_from(request, len(headers))
    if chosen is None:
        return None
    return {headers[index]: key for index, key in chosen.items()}


def _shown(report: LeadImportReport) -> dict[str, Any]:
    return {
        "columns": list(enumerate(report.headers)),
        "mapping": report.mapping,
        "preview": [
            {"row": row.row, "outcome": OUTCOME_LABELS[row.outcome], "kind": row.outcome, "values": row.values}
            for row in report.preview
        ],
        "shown_errors": report.errors[:SHOWN_ERRORS],
        "more_errors": max(0, len(report.errors) - SHOWN_ERRORS),
    }
