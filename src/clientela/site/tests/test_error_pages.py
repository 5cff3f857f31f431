"""Error pages inside the layout, translated; JSON under /api/; no traceback or URL map anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

CLIENTELA = Path(sys.executable).with_name("clientela")


def test_an_unknown_page_is_our_404_inside_the_layout(client, cast):
    client.force_login(cast.sales_north)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-testid="error-404"' in body and "This page does not exist" in body
    assert 'class="topbar"' in body and "URLconf" not in body and "clientela.urls" not in body


def test_the_404_page_speaks_the_readers_language(client, cast):
    client.force_login(cast.sales_north)
    body = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="hu").content.decode()
    assert 'data-testid="error-404"' in body and "This page does not exist" not in body


def test_a_forbidden_page_is_our_403_with_the_reason(client, cast):
    client.force_login(cast.sales_north)
    response = client.get(reverse("accounts:settings_users"))
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="error-403"' in body and "Only administrators may open the settings." in body


def test_a_server_error_is_our_500_without_a_traceback(rf: RequestFactory):
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert 'data-testid="error-500"' in body and "Traceback" not in body


def test_an_unknown_api_address_is_a_json_404_in_the_api_error_shape(client, cast):
    client.force_login(cast.sales_north)
    for path in ("/api/v1/no-such-thing", "/api/v1/contacts/x/y/z", "/api/", "/api/v2/contacts"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["errors"][0]["code"] == "not_found"


def test_debug_pages_are_off_unless_asked_for(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CLIENTELA_DEBUG"} | {"CLIENTELA_DATA_DIR": str(tmp_path)}
    code = "from django.conf import settings; print(settings.DEBUG)"
    plain = subprocess.run([str(CLIENTELA), "shell", "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert plain.stdout.strip().splitlines()[-1] == "False"
    asked = subprocess.run(  # noqa: S603
        [str(CLIENTELA), "shell", "-c", code], env={**env, "CLIENTELA_DEBUG": "true"}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert asked.stdout.strip().splitlines()[-1] == "True"


def test_every_page_has_a_favicon_and_the_browsers_default_address_finds_it(client, cast):
    client.force_login(cast.sales_north)
    assert 'rel="icon"' in client.get(reverse("site:home")).content.decode()
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301 and redirect["Location"].endswith("clientela/favicon.svg")


def test_the_profile_page_links_to_the_api_documentation(client, cast):
    client.force_login(cast.sales_north)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'href="/api/v1/docs"' in page and 'href="/api/v1/openapi.json"' in page
    assert client.get("/api/v1/docs").status_code == 200


def test_a_contacts_language_is_shown_by_name_in_the_readers_language(client, cast):
    from clientela.testing import factories

    contact = factories.contact(cast.sales_north, last_name="Lingua", language="hu")
    odd = factories.contact(cast.sales_north, last_name="Oddity", language="xx")
    client.force_login(cast.sales_north)
    page = client.get(reverse("parties:contact_detail", args=[contact.public_id])).content.decode()
    assert "<dd>Hungarian</dd>" in page
    page = client.get(reverse("parties:contact_detail", args=[contact.public_id]), HTTP_ACCEPT_LANGUAGE="hu")
    hungarian = page.content.decode()
    assert "<dd>Magyar</dd>" in hungarian
    assert "<dd>xx</dd>" in client.get(reverse("parties:contact_detail", args=[odd.public_id])).content.decode()
