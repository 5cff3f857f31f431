"""Every page carries the strict Content-Security-Policy, and nothing on it that the policy would
block: no inline script or style, no event-handler attribute, no `javascript:` URL, no htmx that
needs `eval` (hx-on, js: values, trigger filters). Checked on the pages as served and on every
template's source (so a page these tests do not open is covered too)."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pyotp
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

import clientela
from clientela import urls as project_urls
from clientela.accounts import actions as account_actions
from clientela.accounts.tests.conftest import sign_in
from clientela.core.csp import NOT_A_PAGE_POLICY, build_policy
from clientela.parties import actions as party_actions
from clientela.parties.models import ImportJob
from clientela.testing import factories

HTMX_EVAL_ATTRIBUTES = ("hx-vars", "data-hx-vars")  # always evaluated as JavaScript
HTMX_JS_VALUES = ("hx-vals", "data-hx-vals", "hx-headers", "data-hx-headers")  # evaluated when "js:…"
HTMX_TRIGGERS = ("hx-trigger", "data-hx-trigger")  # a [filter] is evaluated


class _InlineCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and not values.get("src") and values.get("type") != "application/json":
            self.found.append("an inline <script>")  # a JSON data block is data, never run
        if tag == "style":
            self.found.append("a <style> element")
        for name, value in values.items():
            text = value.strip().lower()
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif name.startswith("on"):
                self.found.append(f"<{tag} {name}=…> (an event handler)")
            elif name.startswith(("hx-on", "data-hx-on")) or name in HTMX_EVAL_ATTRIBUTES:
                self.found.append(f"<{tag} {name}=…> (htmx evaluates it)")
            elif name in HTMX_JS_VALUES and text.startswith(("js:", "javascript:")):
                self.found.append(f'<{tag} {name}="{value}"> (htmx evaluates it)')
            elif name in HTMX_TRIGGERS and "[" in value:
                self.found.append(f'<{tag} {name}="{value}"> (a trigger filter, evaluated by htmx)')
            if re.sub(r"\s", "", text).startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}"> (a javascript: URL)')

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    """What in `html` the policy would block, or make htmx ignore."""
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def _template_markup(source: str) -> str:
    """A template as markup: comments and tags out, each variable standing as one word."""
    source = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", " ", source, flags=re.S)
    source = re.sub(r"{%.*?%}", " ", source, flags=re.S)
    return re.sub(r"{{.*?}}", "x", source, flags=re.S)


def page_policy() -> str:
    return build_policy(settings.SECURE_CSP)


# --- the checker itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<script type="module">import "x"</script>',
        "<style>p { color: red }</style>",
        '<p style="color: red">x</p>',
        '<button onclick="go()">x</button>',
        "<body onload=go()>",
        '<a href=" JavaScript:go()">x</a>',
        '<div hx-on:click="go()"></div>',
        '<div hx-on::after-request="go()"></div>',
        '<div hx-vals="js:{a: go()}"></div>',
        '<div hx-vars="a:go()"></div>',
        "<form hx-trigger=\"change[target.id!='q']\"></form>",
    ],
)
def test_the_checker_finds_what_the_policy_blocks(html):
    assert inline_code(html), html


def test_the_checker_lets_scripts_from_files_and_json_data_through():
    html = (
        '<script src="/static/x.js" defer></script><script type="application/json" id="s">{"a": 1}</script>'
        '<div hx-trigger="change from:(form.filters select, #q), input delay:1s" hx-vals=\'{"a": 1}\'></div>'
        '<a href="/contacts/">contacts</a><img src="data:image/png;base64,AAAA" alt="">'
    )
    assert inline_code(html) == []


# --- templates ----------------------------------------------------------------------------------


def test_no_template_carries_inline_script_style_or_handlers():
    offenders = []
    for template in sorted(Path(clientela.__file__).parent.rglob("templates/**/*.html")):
        found = inline_code(_template_markup(template.read_text(encoding="utf-8")))
        offenders += [f"{template.relative_to(Path(clientela.__file__).parent)}: {what}" for what in found]
    assert offenders == []


# --- pages ----------------------------------------------------------------------------------------


def _csv_upload() -> SimpleUploadedFile:
    content = "First name,Last name,E-mail\nAda,Lovelace,ada@example.test\nGrace,Hopper,grace@example.test\n"
    return SimpleUploadedFile("people.csv", content.encode(), content_type="text/csv")


@pytest.fixture
def pages(cast, settings, tmp_path) -> list[tuple[str, Client, str, dict[str, str]]]:
    """(what, client, url, headers) for every kind of page: as an administrator (who may open all
    of them), signed out, and as a sales user refused a page."""
    settings.MEDIA_ROOT = tmp_path / "media"
    admin = Client()
    admin.force_login(cast.admin)
    anonymous = Client()
    sales = Client()
    sales.force_login(cast.sales_north)

    contact = factories.contact(cast.admin, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    twin = factories.contact(cast.admin, first_name="Anna", last_name="Kovacs", emails=["anna@x.example"])
    organization = factories.organization(cast.admin, name="Acme")
    field = party_actions.custom_field_create(
        actor=cast.admin, values={"entity": "contact", "key": "segment", "label": "Segment", "type": "text"}
    )
    upload = admin.post(reverse("imports:index"), {"entity": "contact", "file": _csv_upload()})
    assert upload.status_code == 302, upload.content
    job = ImportJob.objects.get()
    user = cast.sales_south
    team = cast.north
    # Two-factor: one user half-way through setting it up, another signing in with it.
    account_actions.totp_enable(actor=cast.manager_south, user=cast.manager_south)
    totp_setup = Client()
    totp_setup.force_login(cast.manager_south)
    account_actions.totp_enable(actor=cast.marketing, user=cast.marketing)
    cast.marketing.refresh_from_db()
    account_actions.totp_confirm(
        actor=cast.marketing, user=cast.marketing, code=pyotp.TOTP(cast.marketing.totp_secret).at(time.time() - 30)
    )
    halfway = Client()
    assert sign_in(halfway, "marketing")["Location"] == reverse("accounts:login_code")

    hx = {"HTTP_HX_REQUEST": "true"}
    contact_id, organization_id = contact.public_id, organization.public_id
    return [
        ("home", admin, reverse("site:home"), {}),
        ("search", admin, reverse("site:search") + "?q=anna", {}),
        ("search drop-down", admin, reverse("site:search") + "?q=anna", hx),
        ("audit log", admin, reverse("core:audit"), {}),
        ("contacts", admin, reverse("parties:contact_list"), {}),
        ("contacts, filtered", admin, reverse("parties:contact_list") + "?q=anna&stage=target", hx),
        ("new contact", admin, reverse("parties:contact_new"), {}),
        ("contact", admin, reverse("parties:contact_detail", args=[contact_id]), {}),
        ("contact form", admin, reverse("parties:contact_edit", args=[contact_id]), {}),
        ("organizations", admin, reverse("parties:organization_list"), {}),
        ("new organization", admin, reverse("parties:organization_new"), {}),
        ("organization", admin, reverse("parties:organization_detail", args=[organization_id]), {}),
        ("organization form", admin, reverse("parties:organization_edit", args=[organization_id]), {}),
        ("organization picker", admin, reverse("parties:organization_suggest") + "?organization_name=ac", hx),
        ("party picker", admin, reverse("parties:party_suggest") + "?q=ac", hx),
        ("trash", admin, reverse("parties:trash"), {}),
        ("duplicates", admin, reverse("merge:duplicates", args=["contact", contact_id]), {}),
        ("merge", admin, reverse("merge:merge", args=["contact", contact_id]) + f"?with={twin.public_id}", {}),
        ("import", admin, reverse("imports:index"), {}),
        ("import mapping", admin, reverse("imports:mapping", args=[job.public_id]), {}),
        ("import job", admin, reverse("imports:job", args=[job.public_id]), {}),
        ("profile", admin, reverse("accounts:profile"), {}),
        ("two-factor setup", totp_setup, reverse("accounts:totp_setup"), {}),
        ("password change", admin, reverse("accounts:password_change"), {}),
        ("password changed", admin, reverse("accounts:password_change_done"), {}),
        ("users", admin, reverse("accounts:settings_users"), {}),
        ("new user", admin, reverse("accounts:settings_user_create"), {}),
        ("user", admin, reverse("accounts:settings_user_edit", args=[user.public_id]), {}),
        ("teams", admin, reverse("accounts:settings_teams"), {}),
        ("new team", admin, reverse("accounts:settings_team_create"), {}),
        ("team", admin, reverse("accounts:settings_team_edit", args=[team.public_id]), {}),
        ("roles", admin, reverse("accounts:settings_roles"), {}),
        ("custom fields", admin, reverse("parties:settings_custom_fields"), {}),
        ("new custom field", admin, reverse("parties:settings_custom_field_create"), {}),
        ("custom field", admin, reverse("parties:settings_custom_field_edit", args=[field.public_id]), {}),
        ("custom field delete", admin, reverse("parties:settings_custom_field_delete", args=[field.public_id]), {}),
        ("API docs", admin, "/api/v1/docs", {}),
        ("sign in", anonymous, reverse("accounts:login"), {}),
        ("sign-in code", halfway, reverse("accounts:login_code"), {}),
        ("password reset", anonymous, reverse("accounts:password_reset"), {}),
        ("password reset sent", anonymous, reverse("accounts:password_reset_done"), {}),
        ("password reset link", anonymous, reverse("accounts:password_reset_confirm", args=["MQ", "x-y"]), {}),
        ("password reset done", anonymous, reverse("accounts:password_reset_complete"), {}),
        ("not found", admin, "/no/such/page/", {}),
        ("forbidden", sales, reverse("accounts:settings_users"), {}),
    ]


def test_every_page_has_the_policy_and_nothing_it_would_block(pages):
    policy = page_policy()
    problems = []
    for what, client, url, headers in pages:
        response = client.get(url, **headers)
        if response.status_code not in (200, 403, 404):
            problems.append(f"{what} ({url}): status {response.status_code}")
            continue
        if not response["Content-Type"].startswith("text/html"):
            problems.append(f"{what} ({url}): {response['Content-Type']}, not a page")
        if response.get("Content-Security-Policy") != policy:
            problems.append(f"{what} ({url}): Content-Security-Policy {response.get('Content-Security-Policy')!r}")
        problems += [f"{what} ({url}): {found}" for found in inline_code(response.content.decode())]
    assert problems == []


def test_the_page_policy_is_strict():
    policy = page_policy()
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http" not in policy
    assert policy == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )


def test_the_api_docs_load_their_scripts_and_styles_from_this_site(client, cast):
    client.force_login(cast.admin)
    html = client.get("/api/v1/docs").content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/static/") for source in sources), sources


def test_api_answers_get_the_policy_of_a_document_that_runs_nothing(client, cast):
    client.force_login(cast.admin)
    for url in ("/api/v1/contacts", "/api/v1/openapi.json", "/api/v1/no-such-thing"):
        response = client.get(url)
        assert response["Content-Type"].startswith("application/json"), url
        assert response["Content-Security-Policy"] == NOT_A_PAGE_POLICY, url


def test_a_form_refused_for_its_csrf_token_gets_a_page_in_the_layout_with_the_policy(cast):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:password_reset"), {"email": "sales_north@example.test"})
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="error-403-csrf"' in body and 'class="topbar"' in body
    assert response["Content-Security-Policy"] == page_policy()
    assert inline_code(body) == []


def _fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("fail/", _fail), *project_urls.urlpatterns]


@pytest.mark.urls(__name__)
def test_the_server_error_page_has_the_policy_too(cast):
    client = Client(raise_request_exception=False)
    response = client.get("/fail/")
    assert response.status_code == 500
    assert 'data-testid="error-500"' in response.content.decode()
    assert response["Content-Security-Policy"] == page_policy()
    assert inline_code(response.content.decode()) == []
