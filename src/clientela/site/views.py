"""The home page and the search across apps: the workspace above the apps."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET

from clientela.activities import queries as activities_queries
from clientela.activities.rules import user_zone
from clientela.parties import profile, queries
from clientela.parties.models import LifecycleStage
from clientela.sales import queries as sales_queries

DROPDOWN_SIZE = 5
HOME_TASKS = 10
RESULTS_SIZE = 50
MIN_SEARCH = 2


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    contacts = queries.contacts_visible(user)
    by_stage = dict(contacts.order_by().values_list("lifecycle_stage").annotate(n=Count("id")))
    stages = [(value, label, by_stage.get(value, 0)) for value, label in LifecycleStage.choices]
    context = {
        "contact_count": sum(by_stage.values()),
        "organization_count": queries.organizations_visible(user).count(),
        "stages": stages,
        "recent": profile.recent_changes(user),
        "work": sales_queries.my_work(user),
        "my_tasks": activities_queries.my_tasks(user, limit=HOME_TASKS),
        "overdue_tasks": activities_queries.overdue_tasks(user, limit=HOME_TASKS),
        "now": timezone.now(),
        "zone": user_zone(user),
    }
    return render(request, "site/home.html", context)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Contacts and organizations matching the words typed, within what the user sees.

    From the top bar's box (htmx) it returns the drop-down; otherwise a results page.
    """
    text = (request.GET.get("q") or "").replace("\x00", "").strip()[:200]
    dropdown = bool(request.htmx) and request.GET.get("full") != "1"
    size = DROPDOWN_SIZE if dropdown else RESULTS_SIZE
    contacts: list = []
    organizations: list = []
    if len(text) >= MIN_SEARCH:
        condition = queries.search_filter(text, request.user)
        found_contacts = queries.contacts_visible(request.user).filter(condition)
        contacts = list(queries.name_matches_first(found_contacts, text, *queries.NAME_ORDER["contact"])[: size + 1])
        found_organizations = queries.organizations_visible(request.user).filter(condition)
        organizations = list(
            queries.name_matches_first(found_organizations, text, *queries.NAME_ORDER["organization"])[: size + 1]
        )
    context = {
        "q": text,
        "query": urlencode({"q": text}),
        "contacts": contacts[:size],
        "organizations": organizations[:size],
        "more_contacts": len(contacts) > size,
        "more_organizations": len(organizations) > size,
        "too_short": 0 < len(text) < MIN_SEARCH,
    }
    if dropdown:
        return render(request, "site/search.html#dropdown", context)
    return render(request, "site/search.html", context)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links to: the app's icon, wherever static files are."""
    return HttpResponsePermanentRedirect(static("clientela/favicon.svg"))
