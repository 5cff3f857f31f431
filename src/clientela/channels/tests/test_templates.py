"""E-mail templates: their variables (a fixed list, filled in as plain text by a renderer of our
own, never Django's template engine), refused when unknown at save time naming the text and the
variable; a text per language, the contact's chosen, else the sender's, else English, else the
first; administrators and managers keep them, everyone uses them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from clientela.channels import actions, tasks, templating
from clientela.channels.models import EmailTemplate
from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.testing import factories
from clientela.testing.api import ApiClient


@dataclass
class Text:
    language: str
    subject: str = ""
    body: str = ""


def test_known_variables_are_filled_in_and_anything_else_in_braces_is_left_as_written():
    values = templating.values_for(user=None) | {"contact.first_name": "Anna", "organization.name": "Kovács Kft."}
    text = "Dear {{contact.first_name}}, {{ organization.name }} {{ contact.password }} {% if x %}{{ x|upper }}"
    assert templating.render(text, values) == "Dear Anna, Kovács Kft. {{ contact.password }} {% if x %}{{ x|upper }}"


def test_values_are_inserted_as_plain_text_on_one_line():
    values = {"contact.first_name": "<b>Anna</b>\r\nBcc: x@example.test", "contact.last_name": "{{ user.email }}"}
    rendered = templating.render("Hi {{ contact.first_name }} {{ contact.last_name }}", values)
    assert rendered == "Hi <b>Anna</b> Bcc: x@example.test {{ user.email }}"  # not escaped, not rendered again


def test_unknown_variables_are_named_once_each_in_the_order_written():
    text = "{{ contact.first_name }} {{ contact.nickname }} {{contact.first_name|upper}} {{ contact.nickname }} {{ }}"
    assert templating.unknown_variables(text) == ["contact.nickname", "contact.first_name|upper", ""]


@pytest.mark.parametrize(
    ("contact", "user", "chosen"),
    [
        ("hu", "tr", "hu"),
        ("", "tr", "tr"),
        ("de", "", "en"),
        ("hu-HU", "", "hu"),
        ("", "", "en"),
    ],
)
def test_the_contacts_language_is_chosen_then_the_senders_then_english(contact, user, chosen):
    texts = [Text("tr"), Text("en"), Text("hu")]
    assert templating.pick_text(texts, contact_language=contact, user_language=user).language == chosen


def test_without_english_the_first_text_is_used():
    assert templating.pick_text([Text("ro"), Text("pl")], contact_language="de").language == "ro"
    assert templating.pick_text([], contact_language="de") is None


def _texts() -> list[dict[str, str]]:
    return [
        {"language": "en", "subject": "Offer for {{ organization.name }}", "body": "Dear {{ contact.first_name }},\n"
         "{{ deal.name }}: {{ deal.amount }}\n{{ user.name }} <{{ user.email }}>"},
        {"language": "hu", "subject": "Ajánlat: {{ organization.name }}", "body": "Kedves {{ contact.full_name }}!"},
    ]  # fmt: skip


def test_a_manager_creates_a_template_and_a_sales_rep_may_not(cast):
    template = actions.email_template_create(actor=cast.manager_north, values={"name": "Offer", "texts": _texts()})
    assert sorted(t.language for t in template.texts.all()) == ["en", "hu"]
    with pytest.raises(PermissionDenied):
        actions.email_template_create(actor=cast.sales_north, values={"name": "Mine", "texts": _texts()})
    with pytest.raises(PermissionDenied):
        actions.email_template_update(actor=cast.sales_north, template=template, values={"name": "Renamed"})
    with pytest.raises(PermissionDenied):
        actions.email_template_trash(actor=cast.readonly_north, template=template)


def test_an_unknown_variable_is_refused_naming_the_text_and_the_variable(cast):
    texts = _texts()
    texts[1]["body"] = "Kedves {{ contact.nickname }}!"
    texts[0]["subject"] = "{{ deal.secret }}"
    with pytest.raises(ValidationFailed) as refused:
        actions.email_template_create(actor=cast.admin, values={"name": "Bad", "texts": texts})
    errors = {e.field: e.message for e in refused.value.errors}
    assert set(errors) == {"texts[0].subject", "texts[1].body"}
    assert "deal.secret" in errors["texts[0].subject"] and "contact.nickname" in errors["texts[1].body"]
    assert not EmailTemplate.objects.exists()


def test_a_template_needs_a_unique_name_a_text_and_one_text_per_language(cast):
    actions.email_template_create(actor=cast.admin, values={"name": "Offer", "texts": _texts()})
    same_language = [_texts()[0], {**_texts()[0], "subject": "Again"}]
    with pytest.raises(ValidationFailed) as refused:
        actions.email_template_create(actor=cast.admin, values={"name": "Offer", "texts": same_language})
    assert {(e.field, e.code) for e in refused.value.errors} == {("name", "duplicate"), ("texts[1].language",
                                                                                            "duplicate")}  # fmt: skip
    with pytest.raises(ValidationFailed) as empty:
        actions.email_template_create(actor=cast.admin, values={"name": "Empty", "texts": []})
    assert [e.field for e in empty.value.errors] == ["texts"]


def test_changing_the_texts_replaces_them_and_logs_them_in_one_event(cast):
    from clientela.core.models import Event

    template = actions.email_template_create(actor=cast.admin, values={"name": "Offer", "texts": _texts()})
    updated = actions.email_template_update(
        actor=cast.manager_south, template=template, values={"texts": [_texts()[1]]}, expected_version=1
    )
    assert updated.version == 2 and [t.language for t in updated.texts.all()] == ["hu"]
    [event] = Event.objects.filter(record_id=template.public_id, action="email_template.update")
    assert [t["language"] for t in event.changes["texts"][0]] == ["en", "hu"]
    assert [t["language"] for t in event.changes["texts"][1]] == ["hu"]


@pytest.fixture
def offer(cast) -> EmailTemplate:
    return actions.email_template_create(actor=cast.admin, values={"name": "Offer", "texts": _texts()})


def test_a_sales_rep_uses_a_template_in_the_contacts_language_with_the_variables_filled_in(cast, offer):
    from clientela.sales import actions as sales_actions

    organization = factories.organization(cast.sales_north, name="Kovács Kft.")
    contact = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", language="hu")
    deal = sales_actions.deal_create(actor=cast.sales_north, values={
        "name": "Kazán csere", "organization": str(organization.public_id), "contact": str(contact.public_id),
        "amount": "1250000", "currency": "HUF"})  # fmt: skip
    email = tasks.queue_email(actor=cast.sales_north, values={"deal": deal, "template": offer})
    assert (email.subject, email.body_text, email.language) == ("Ajánlat: Kovács Kft.", "Kedves Anna Kovács!", "hu")
    assert email.template_id == offer.pk

    english = tasks.queue_email(actor=cast.sales_north, values={"deal": deal, "template": offer, "language": "en"})
    assert english.subject == "Offer for Kovács Kft."
    assert english.body_text == "Dear Anna,\nKazán csere: 1,250,000.00 HUF\nSales North <sales_north@example.test>"

    typed = tasks.queue_email(actor=cast.sales_north, values={"deal": deal, "template": offer, "subject": "Mine"})
    assert (typed.subject, typed.body_text) == ("Mine", "Kedves Anna Kovács!")  # what was typed wins


def test_an_inactive_or_trashed_template_cannot_be_used(cast, offer):
    contact = factories.contact(cast.sales_north)
    actions.email_template_update(actor=cast.admin, template=offer, values={"is_active": False})
    with pytest.raises(ValidationFailed) as refused:
        tasks.queue_email(actor=cast.sales_north, values={"contact": contact, "template": offer})
    assert [e.field for e in refused.value.errors] == ["template"]
    actions.email_template_update(actor=cast.admin, template=offer, values={"is_active": True})
    actions.email_template_trash(actor=cast.admin, template=offer)
    with pytest.raises(ValidationFailed) as trashed:
        tasks.queue_email(actor=cast.sales_north, values={"contact": contact, "template": offer, "subject": "x"})
    assert [e.field for e in trashed.value.errors] == ["template"]


# --- the API -------------------------------------------------------------------------------------


def test_templates_through_the_api_with_if_match_and_field_errors(cast):
    manager = ApiClient(cast.manager_north)
    created = manager.post("/email-templates", {"name": "Welcome", "texts": _texts()})
    assert created.status_code == 201, created.content
    body = created.json()
    assert [t["language"] for t in body["texts"]] == ["en", "hu"] and body["is_active"] is True
    url = f"/email-templates/{body['id']}"

    bad = manager.patch(url, {"texts": [{"language": "en", "subject": "Hi {{ contact.age }}"}]},
                        headers={"If-Match": created["ETag"]})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "texts[0].subject"
    assert manager.patch(url, {"name": "Hello"}).status_code == 428
    changed = manager.patch(url, {"name": "Hello"}, headers={"If-Match": created["ETag"]})
    assert changed.status_code == 200 and changed.json()["name"] == "Hello"
    assert manager.patch(url, {"name": "Stale"}, headers={"If-Match": created["ETag"]}).status_code == 412

    sales = ApiClient(cast.sales_south)
    assert [t["name"] for t in sales.get("/email-templates").json()["items"]] == ["Hello"]  # everyone reads them
    assert sales.get(url).json()["name"] == "Hello"
    assert sales.post("/email-templates", {"name": "Mine", "texts": _texts()}).status_code == 403
    assert sales.delete(url, headers={"If-Match": changed["ETag"]}).status_code == 403

    trashed = manager.delete(url, headers={"If-Match": changed["ETag"]})
    assert trashed.status_code == 200 and trashed.json()["deleted_at"]
    assert manager.get(url).status_code == 404 and manager.get("/email-templates").json()["items"] == []


def test_an_email_written_with_a_template_through_the_api(cast, offer):
    contact = factories.contact(cast.sales_south, first_name="Ayşe", last_name="Yılmaz", language="tr")
    sent = ApiClient(cast.sales_south).post("/emails", {"contact": str(contact.public_id),
                                                       "template": str(offer.public_id)})  # fmt: skip
    assert sent.status_code == 202, sent.content
    body = sent.json()
    assert body["template"] == str(offer.public_id) and body["language"] == "en"  # no Turkish text: English
    assert body["body_text"].startswith("Dear Ayşe,\n")
    payload = {"contact": str(contact.public_id), "template": str(contact.public_id), "body_text": "x"}
    missing = ApiClient(cast.sales_south).post("/emails", payload)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "template"
