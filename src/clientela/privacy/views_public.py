"""The person's own pages, without signing in: the link that confirms a consent (double opt-in)
and the preferences page where they give or withdraw consents. Both are reached through a
signed link mailed to them; the page records the address and browser it was used from as the
consent's evidence."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clientela.accounts.throttle import client_address
from clientela.privacy import actions, links, queries
from clientela.privacy.models import ConsentStatus, LegalBasis


def _evidence(request: HttpRequest, what: str) -> str:
    agent = request.headers.get("User-Agent", "")[:200]
    return f"{what} {timezone.now().isoformat()} from {client_address(request) or '?'} ({agent})"


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that follow links confirm nothing); POST confirms."""
    data = links.read(token, salt=links.CONFIRM_SALT, days=links.CONFIRM_DAYS)
    consent = queries.consent_to_confirm(data.get("c")) if data else None
    if consent is None:
        raise Http404(_("This link is not valid or has expired."))
    if request.method == "POST" and consent.status == ConsentStatus.PENDING:
        consent = actions.consent_confirm(consent=consent, evidence=_evidence(request, "confirmed by link"))
    return render(request, "privacy/public_confirm.html", {"consent": consent, "token": token})


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    data = links.read(token, salt=links.PREFERENCES_SALT, days=links.PREFERENCES_DAYS)
    contact = queries.contact_of_link(data.get("p")) if data else None
    if contact is None:
        raise Http404(_("This link is not valid or has expired."))
    offered = [p for p in queries.purposes(active_only=True) if p.legal_basis == LegalBasis.CONSENT]
    saved = False
    if request.method == "POST":
        wanted = set(request.POST.getlist("purpose"))
        actions.consents_from_form(
            contact=contact,
            choices={purpose: str(purpose.public_id) in wanted for purpose in offered},
            evidence=_evidence(request, "preferences page"),
            form="preferences",
        )
        saved = True
    granted = queries.consent_purposes_granted(contact)
    rows = [(purpose, purpose.pk in granted) for purpose in offered]
    return render(request, "privacy/public_preferences.html", {"rows": rows, "saved": saved, "token": token})
