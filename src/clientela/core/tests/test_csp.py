"""The Content-Security-Policy middleware (the pages themselves: site/tests/test_content_security_policy.py)."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

from clientela.core.csp import NOT_A_PAGE_POLICY, ContentSecurityPolicyMiddleware, build_policy


def test_a_policy_is_written_directive_by_directive_in_the_settings_order():
    config: dict[str, list[str] | bool | None] = {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "upgrade-insecure-requests": True,
        "report-uri": None,
        "sandbox": False,
    }
    assert build_policy(config) == "default-src 'self'; img-src 'self' data:; upgrade-insecure-requests"


def test_a_page_gets_the_page_policy_and_anything_else_the_policy_that_runs_nothing(rf: RequestFactory, settings):
    page = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("<p>hi</p>"))(rf.get("/"))
    assert page["Content-Security-Policy"] == build_policy(settings.SECURE_CSP)
    data = ContentSecurityPolicyMiddleware(lambda request: JsonResponse({"a": 1}))(rf.get("/"))
    assert data["Content-Security-Policy"] == NOT_A_PAGE_POLICY == "default-src 'none'; frame-ancestors 'none'"


def test_a_policy_the_view_set_itself_is_left_as_it_is(rf: RequestFactory):
    def view(request):
        response = HttpResponse("<p>hi</p>")
        response["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
        return response

    response = ContentSecurityPolicyMiddleware(view)(rf.get("/"))
    assert response["Content-Security-Policy"] == "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"


def test_static_files_get_the_policy_that_runs_nothing(client, db):
    for url in ("/static/clientela/app.css", "/static/clientela/app.js", "/static/clientela/favicon.svg"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == NOT_A_PAGE_POLICY, url
