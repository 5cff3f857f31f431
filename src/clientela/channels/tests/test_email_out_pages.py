"""The e-mail pages: "Send e-mail" on a contact's page, the compose page (the contact's address,
a template picked by htmx, files, errors beside their fields, a warning for an address that
bounced), an e-mail's page (headers, the text escaped, files only as downloads), the templates'
pages (a row per language), and the activity's e-mail partial."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clientela.activities import queries as activity_queries
from clientela.channels import actions, tasks
from clientela.channels.models import Email, EmailTemplate
from clientela.channels.tests.smtp_kit import smtp_server  # noqa: F401 - the `smtp` fixture
from clientela.parties import actions as parties_actions
from clientela.testing import factories
from clientela.testing.cast import PASSWORD

HTMX = {"HX-Request": "true"}


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def anna(cast):
    return factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@kovacs.example"],
                             language="hu")  # fmt: skip


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_the_contact_page_offers_send_email_and_lists_its_emails(cast, anna, data_dir):
    tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": "Árajánlat", "body_text": "x"})
    page = _client(cast.sales_north).get(reverse("parties:contact_detail", args=[anna.public_id])).content.decode()
    assert 'data-testid="record-emails"' in page and "Árajánlat" in page
    assert f"{reverse('channels:email_new')}?contact={anna.public_id}" in page
    readonly = _client(cast.readonly_north).get(reverse("parties:contact_detail", args=[anna.public_id]))
    assert "Árajánlat" in readonly.content.decode() and 'data-testid="send-email"' not in readonly.content.decode()


def test_the_organization_and_deal_pages_offer_send_email_and_an_organization_is_written_to_at_its_address(cast):
    from clientela.sales import actions as sales_actions

    organization = factories.organization(cast.sales_north, name="Kovács Kft.", emails=["info@kovacs.example"])
    values = {"name": "Boiler", "organization": str(organization.public_id)}
    deal = sales_actions.deal_create(actor=cast.sales_north, values=values)
    client = _client(cast.sales_north)
    pages = {
        "organization": (reverse("parties:organization_detail", args=[organization.public_id]), organization),
        "deal": (reverse("sales:deal_detail", args=[deal.public_id]), deal),
    }
    for kind, (url, record) in pages.items():
        page = client.get(url).content.decode()
        assert f"{reverse('channels:email_new')}?{kind}={record.public_id}" in page
    compose = client.get(reverse("channels:email_new"), {"deal": deal.public_id}).content.decode()
    assert 'value="info@kovacs.example"' in compose and "Kovács Kft." in compose


def test_the_compose_page_fills_in_the_contacts_address_and_warns_of_a_bounce(cast, anna):
    client = _client(cast.sales_north)
    page = client.get(reverse("channels:email_new"), {"contact": anna.public_id}).content.decode()
    assert 'value="anna@kovacs.example"' in page and 'data-testid="bounce-warning"' not in page
    parties_actions.contact_point_bounced(address="anna@kovacs.example", reason="550 5.1.1 no such user",
                                          at=timezone.now() - dt.timedelta(days=1))  # fmt: skip
    page = client.get(reverse("channels:email_new"), {"contact": anna.public_id}).content.decode()
    assert 'data-testid="bounce-warning"' in page and "550 5.1.1 no such user" in page
    assert client.get(reverse("channels:email_new"), {"contact": "not-an-id"}).status_code == 404
    south = _client(cast.sales_south).get(reverse("channels:email_new"), {"contact": anna.public_id})
    assert south.status_code == 404
    assert (
        _client(cast.readonly_north).get(reverse("channels:email_new"), {"contact": anna.public_id}).status_code == 403
    )


def test_sending_from_the_compose_page_queues_the_email_with_its_files(cast, anna, data_dir):
    client = _client(cast.sales_north)
    files = [SimpleUploadedFile("ajánlat.pdf", b"%PDF-1.4 offer", "application/pdf"),
             SimpleUploadedFile("page.html", b"<html><script>alert(1)</script></html>", "text/html")]  # fmt: skip
    posted = client.post(reverse("channels:email_new"), {
        "contact": anna.public_id, "to": "anna@kovacs.example", "cc": "boss@kovacs.example", "subject": "Ajánlat",
        "body_text": "Kedves Anna!\r\nÜdv", "attachments": files,
    })  # fmt: skip
    email = Email.objects.get()
    assert posted.status_code == 302 and posted["Location"] == reverse("channels:email_detail", args=[email.public_id])
    assert (email.status, email.to, email.cc) == ("queued", ["anna@kovacs.example"], ["boss@kovacs.example"])
    assert email.body_text == "Kedves Anna!\nÜdv"
    kinds = {a.filename: a.content_type for a in email.attachments.all()}
    assert kinds == {"ajánlat.pdf": "application/pdf", "page.html": "application/octet-stream"}  # typed by content


def test_a_refused_compose_form_comes_back_with_the_errors_beside_their_fields(cast, anna, data_dir):
    refused = _client(cast.sales_north).post(reverse("channels:email_new"), {
        "contact": anna.public_id, "to": "anna@kovacs.example, nobody", "subject": "Hi\nBcc: x@example.test",
        "body_text": "x",
    })  # fmt: skip
    assert refused.status_code == 422 and not Email.objects.exists()
    page = refused.content.decode()
    assert 'id="f-to-err"' in page and 'id="f-subject-err"' in page
    assert 'value="anna@kovacs.example, nobody"' in page  # as typed


def test_picking_a_template_fills_in_the_subject_and_text_in_the_contacts_language(cast, anna):
    template = actions.email_template_create(actor=cast.admin, values={"name": "Offer", "texts": [
        {"language": "en", "subject": "Offer", "body": "Dear {{ contact.first_name }}"},
        {"language": "hu", "subject": "Ajánlat", "body": "Kedves {{ contact.first_name }} <3"},
    ]})  # fmt: skip
    client = _client(cast.sales_north)
    page = client.get(reverse("channels:email_new"), {"contact": anna.public_id}).content.decode()
    assert f'value="{template.public_id}"' in page and 'hx-get="/emails/new/preview/"' in page
    preview = client.get(reverse("channels:email_preview"), {"template": template.public_id, "contact": anna.public_id,
                                                             "subject": "typed"}, headers=HTMX)  # fmt: skip
    html = preview.content.decode()
    assert preview.status_code == 200 and 'id="compose-text"' in html
    assert 'value="Ajánlat"' in html and "Kedves Anna &lt;3" in html  # escaped in the form
    cleared = client.get(reverse("channels:email_preview"), {"template": "", "subject": "typed", "body_text": "mine"})
    assert 'value="typed"' in cleared.content.decode() and ">mine</textarea>" in cleared.content.decode()


def test_the_email_page_shows_headers_and_escaped_text_and_serves_files_only_as_downloads(cast, anna, data_dir):
    from clientela.channels.composing import Upload

    email = tasks.queue_email(actor=cast.sales_north, values={
        "contact": anna, "subject": "Hello <b>there</b>", "body_text": "<script>alert('x')</script>\nBye",
        "attachments": [Upload("evil.html", b"<html><body><script>alert(1)</script></body></html>", "text/html")],
    })  # fmt: skip
    client = _client(cast.sales_north)
    page = client.get(reverse("channels:email_detail", args=[email.public_id])).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page and "<script>alert('x')" not in page
    assert "Hello &lt;b&gt;there&lt;/b&gt;" in page
    assert email.message_id.replace("<", "&lt;").replace(">", "&gt;") in page
    [file] = email.attachments.all()
    download = client.get(reverse("channels:email_attachment", args=[email.public_id, file.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;") and "html" not in download["Content-Type"]
    assert b"".join(download.streaming_content).startswith(b"<html>")
    south = _client(cast.sales_south)
    assert south.get(reverse("channels:email_detail", args=[email.public_id])).status_code == 404
    assert south.get(reverse("channels:email_attachment", args=[email.public_id, file.pk])).status_code == 404


def test_a_failed_email_shows_the_servers_answer(cast, anna, smtp):
    smtp.answers = ["550 5.1.1 <anna@kovacs.example>: Recipient address rejected"]
    email = tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": "x", "body_text": "x"})
    tasks.send_email.call(str(email.public_id), 1)
    page = _client(cast.sales_north).get(reverse("channels:email_detail", args=[email.public_id])).content.decode()
    assert 'data-testid="email-error"' in page and "Recipient address rejected" in page


def test_the_activity_partial_links_to_its_email(cast, anna, smtp):
    email = tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": "x", "body_text": "Hi <b>"})
    tasks.send_email.call(str(email.public_id), 1)
    email.refresh_from_db()
    activity = activity_queries.activity_get(cast.sales_north, email.activity.public_id)
    html = render_to_string("channels/_activity_email.html", {"activity": activity})
    assert reverse("channels:email_detail", args=[email.public_id]) in html and "Hi &lt;b&gt;" in html


def test_a_manager_writes_a_template_on_its_page_with_a_row_per_language(cast):
    client = _client(cast.manager_north)
    form = client.get(reverse("channels:template_new")).content.decode()
    assert 'name="subject-hu"' in form and 'name="body-tr"' in form
    refused = client.post(reverse("channels:template_new"), {"name": "Offer", "is_active": "on",
                                                             "subject-en": "Offer", "body-en": "Hi {{ contact.age }}",
                                                             "subject-hu": "Ajánlat", "body-hu": "Szia"})  # fmt: skip
    assert refused.status_code == 422 and "contact.age" in refused.content.decode()
    assert not EmailTemplate.objects.exists()
    saved = client.post(reverse("channels:template_new"), {"name": "Offer", "is_active": "on", "subject-en": "Offer",
                                                           "body-en": "Hi {{ contact.first_name }}",
                                                           "subject-hu": "Ajánlat", "body-hu": "Szia"})  # fmt: skip
    template = EmailTemplate.objects.get()
    assert saved.status_code == 302 and sorted(t.language for t in template.texts.all()) == ["en", "hu"]
    edited = client.post(
        reverse("channels:template_edit", args=[template.public_id]),
        {"name": "Offer", "is_active": "on", "version": template.version, "subject-hu": "Ajánlat", "body-hu": "Szia"},
    )
    assert edited.status_code == 302 and [t.language for t in EmailTemplate.objects.get().texts.all()] == ["hu"]
    listed = client.get(reverse("channels:template_list")).content.decode()
    assert "Offer" in listed and reverse("channels:template_new") in listed

    sales = _client(cast.sales_north)
    page = sales.get(reverse("channels:template_edit", args=[template.public_id])).content.decode()
    assert "readonly" in page and reverse("channels:template_new") not in sales.get(
        reverse("channels:template_list")).content.decode()  # fmt: skip
    assert sales.post(reverse("channels:template_edit", args=[template.public_id]), {"name": "x"}).status_code == 403
    assert sales.get(reverse("channels:template_new")).status_code == 403


def test_the_panel_and_the_email_list_cost_the_same_queries_for_few_or_many_emails(
    cast, anna, data_dir, django_assert_max_num_queries
):
    from clientela.channels import panels
    from clientela.testing.api import ApiClient

    api = ApiClient(cast.sales_north)
    for n in range(3):
        tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": f"m{n}", "body_text": "x"})
    with django_assert_max_num_queries(2):
        context = panels.record_emails(cast.sales_north, anna).context
        assert len(context["emails"]) == 3
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api.get("/emails")  # the token's first use is written down once
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("/emails").json()["items"]) == 3
    for n in range(12):
        tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": f"n{n}", "body_text": "x"})
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/emails").json()["items"]) == 15
    assert len(many) == len(few)
