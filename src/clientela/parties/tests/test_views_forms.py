"""Create and edit forms: field-level errors, custom fields, collections, version conflicts."""

from __future__ import annotations

from html.parser import HTMLParser

from django.urls import reverse

from clientela.core.models import Event
from clientela.parties import actions, queries
from clientela.parties.models import Contact, Organization
from clientela.testing import factories


class _FormReader(HTMLParser):
    """Collects what a browser would submit from the page's record form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("data-testid") == "record-form":
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = [a.get("value", "")]
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            if self._select and not self.data[self._select]:
                self.data[self._select] = [""]
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][0] += data


def form_data(html: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(html)
    # a browser drops the leading newline of a textarea
    return reader.data


def edit_form(client, record) -> dict[str, list[str]]:
    entity = "contact" if isinstance(record, Contact) else "organization"
    response = client.get(reverse(f"parties:{entity}_edit", args=[record.public_id]))
    assert response.status_code == 200
    return form_data(response.content.decode())


def test_creating_a_contact_from_the_form_goes_through_the_action(client, cast):
    client.force_login(cast.sales_north)
    data = form_data(client.get(reverse("parties:contact_new")).content.decode())
    data.update(
        {
            "first_name": ["Anna"],
            "last_name": ["Kovács"],
            "emails": ["anna@example.test\nhome: anna@home.test"],
            "phones": ["mobile: +36 30 123 4567"],
            "tags": ["vip, new"],
            "addr-0-city": ["Budapest"],
            "addr-0-country": ["hu"],
        }
    )
    response = client.post(reverse("parties:contact_new"), data)
    assert response.status_code == 302
    contact = Contact.objects.get(last_name="Kovács")
    assert contact.owner == cast.sales_north and contact.team == cast.north
    assert contact.primary_email == "anna@example.test"
    assert sorted(contact.tags.values_list("name", flat=True)) == ["new", "vip"]
    assert contact.addresses.get().country == "HU"
    assert list(contact.points.filter(kind="phone").values_list("label", flat=True)) == ["mobile"]
    event = Event.objects.get(record_id=contact.public_id)
    assert event.action == "contact.create" and event.actor == cast.sales_north


def test_validation_errors_are_shown_next_to_their_fields_and_nothing_is_written(client, cast):
    actions.custom_field_create(
        actor=cast.admin, values={"entity": "contact", "key": "shoe", "label": "Shoe size", "type": "number"}
    )
    client.force_login(cast.sales_north)
    data = form_data(client.get(reverse("parties:contact_new")).content.decode())
    data.update(
        {
            "last_name": [""],
            "birth_date": ["31/02/1990"],
            "emails": ["ok@example.test\nnot-an-email"],
            "custom.shoe": ["big"],
            "addr-0-city": ["Pécs"],
            "addr-0-country": ["Hungary"],
        }
    )
    response = client.post(reverse("parties:contact_new"), data)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="f-last_name-err"' in body or 'id="f-birth_date-err"' in body
    assert not Contact.all_objects.exists()
    data["last_name"] = ["Named"]
    body = client.post(reverse("parties:contact_new"), data).content.decode()
    assert 'id="f-birth_date-err"' in body
    data["birth_date"] = ["1990-02-28"]
    body = client.post(reverse("parties:contact_new"), data).content.decode()
    assert 'id="f-emails-err"' in body and "Line 2:" in body
    assert 'id="f-custom-shoe-err"' in body and "must be a number" in body
    assert 'id="addr-0-country-err"' in body
    assert not Contact.all_objects.exists()


def test_required_custom_field_is_reported_on_create(client, cast):
    actions.custom_field_create(
        actor=cast.admin,
        values={
            "entity": "organization",
            "key": "segment",
            "label": "Segment",
            "type": "choice",
            "choices": ["smb", "enterprise"],
            "required": True,
        },
    )
    client.force_login(cast.sales_north)
    data = form_data(client.get(reverse("parties:organization_new")).content.decode())
    data["name"] = ["Acme"]
    body = client.post(reverse("parties:organization_new"), data).content.decode()
    assert 'id="f-custom-segment-err"' in body and "is required" in body
    data["custom.segment"] = ["smb"]
    assert client.post(reverse("parties:organization_new"), data).status_code == 302
    assert Organization.objects.get(name="Acme").custom == {"segment": "smb"}


def test_editing_sends_only_the_changed_fields(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Smith", title="Clerk", emails=["s@example.test"])
    client.force_login(cast.sales_north)
    data = edit_form(client, contact)
    assert data["version"] == ["1"]
    data["title"] = ["Director"]
    response = client.post(reverse("parties:contact_edit", args=[contact.public_id]), data)
    assert response.status_code == 302
    event = Event.objects.filter(record_id=contact.public_id).first()
    assert event.action == "contact.update" and event.changes == {"title": ["Clerk", "Director"]}


def test_editing_contact_organizations_and_multi_choice_custom_field(client, cast):
    actions.custom_field_create(
        actor=cast.admin,
        values={
            "entity": "contact",
            "key": "langs",
            "label": "Languages",
            "type": "multi_choice",
            "choices": ["en", "hu", "tr"],
        },
    )
    factories.organization(cast.sales_north, name="Acme Kft")
    factories.organization(cast.sales_south, name="Southern Kft")
    contact = factories.contact(cast.sales_north, last_name="Linked")
    client.force_login(cast.sales_north)
    data = edit_form(client, contact)
    data.update({"aff-new-name": ["Southern Kft"], "aff-new-role": ["spy"]})
    body = client.post(reverse("parties:contact_edit", args=[contact.public_id]), data).content.decode()
    assert "No organization called" in body
    data.update({"aff-new-name": ["acme kft"], "aff-new-role": ["buyer"], "custom.langs": ["hu", "en"]})
    assert client.post(reverse("parties:contact_edit", args=[contact.public_id]), data).status_code == 302
    contact = queries.contact_get(cast.sales_north, contact.public_id)
    assert [(a.organization.name, a.role) for a in contact.affiliations.all()] == [("Acme Kft", "buyer")]
    assert contact.custom == {"langs": ["en", "hu"]}


def test_a_forged_baseline_is_refused_without_writing(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Guarded")
    client.force_login(cast.sales_north)
    data = edit_form(client, contact)
    data.update({"baseline": ["forged"], "last_name": ["Changed"]})
    response = client.post(reverse("parties:contact_edit", args=[contact.public_id]), data)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.last_name == "Guarded" and contact.version == 1


def test_another_persons_save_on_other_fields_is_merged_and_the_user_is_told(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Merge", title="Clerk", occupation="")
    client.force_login(cast.sales_north)
    data = edit_form(client, contact)
    actions.contact_update(actor=cast.sales_north_2, contact=contact, values={"title": "Director"}, expected_version=1)
    data["occupation"] = ["Engineer"]
    response = client.post(reverse("parties:contact_edit", args=[contact.public_id]), data, follow=True)
    body = response.content.decode()
    assert "Your changes were saved on top of theirs" in body
    assert cast.sales_north_2.display_name in body
    contact.refresh_from_db()
    assert (contact.title, contact.occupation, contact.version) == ("Director", "Engineer", 3)


def test_conflicting_save_shows_yours_and_theirs_and_saves_the_users_pick(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Clash", title="Clerk", emails=["a@example.test"])
    client.force_login(cast.sales_north)
    data = edit_form(client, contact)
    actions.contact_update(
        actor=cast.sales_north_2,
        contact=contact,
        values={"title": "Director", "occupation": "Pilot"},
        collections=actions.Collections(emails=[{"value": "b@example.test"}]),
        expected_version=1,
    )
    data["title"] = ["Manager"]
    data["emails"] = ["c@example.test"]
    response = client.post(reverse("parties:contact_edit", args=[contact.public_id]), data)
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="conflict"' in body
    assert 'data-field="title"' in body and 'data-field="emails"' in body
    assert "Manager" in body and "Director" in body and cast.sales_north_2.display_name in body
    contact.refresh_from_db()
    assert contact.title == "Director" and contact.version == 2
    # Their non-overlapping change is filled in; the user keeps their title and takes their e-mail.
    second = form_data(body)
    assert second["occupation"] == ["Pilot"] and second["version"] == ["2"]
    second["pick.title"] = ["mine"]
    second["pick.emails"] = ["theirs"]
    response = client.post(reverse("parties:contact_edit", args=[contact.public_id]), second)
    assert response.status_code == 302
    contact = queries.contact_get(cast.sales_north, contact.public_id)
    assert (contact.title, contact.occupation, contact.primary_email) == ("Manager", "Pilot", "b@example.test")
    assert contact.version == 3


def test_same_change_by_both_is_not_a_conflict(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Same", title="Clerk")
    client.force_login(cast.sales_north)
    data = edit_form(client, contact)
    actions.contact_update(actor=cast.sales_north_2, contact=contact, values={"title": "Director"}, expected_version=1)
    data["title"] = ["Director"]
    response = client.post(reverse("parties:contact_edit", args=[contact.public_id]), data)
    assert response.status_code == 302


def test_editing_keeps_links_to_organizations_the_editor_cannot_see(client, cast):
    south_org = factories.organization(cast.sales_south, name="South Org")
    north_org = factories.organization(cast.sales_north, name="North Org")
    contact = factories.contact(cast.sales_north, last_name="Bridged")
    actions.contact_update(
        actor=cast.admin,
        contact=contact,
        values={},
        collections=actions.Collections(
            affiliations=[{"organization": north_org, "role": "a"}, {"organization": south_org, "role": "b"}]
        ),
    )
    client.force_login(cast.sales_north)
    data = edit_form(client, contact)
    assert "South Org" not in str(data)
    data["aff-0-role"] = ["changed"]
    assert client.post(reverse("parties:contact_edit", args=[contact.public_id]), data).status_code == 302
    roles = sorted(contact.affiliations.values_list("organization__name", "role"))
    assert roles == [("North Org", "changed"), ("South Org", "b")]


def test_organization_parent_is_picked_by_name_among_visible_organizations(client, cast):
    parent = factories.organization(cast.sales_north, name="Holding")
    child = factories.organization(cast.sales_north, name="Daughter")
    client.force_login(cast.sales_north)
    data = edit_form(client, child)
    data["parent"] = ["Holding"]
    assert client.post(reverse("parties:organization_edit", args=[child.public_id]), data).status_code == 302
    child.refresh_from_db()
    assert child.parent == parent
    page = client.get(reverse("parties:organization_detail", args=[parent.public_id])).content.decode()
    assert "Daughter" in page


def test_organization_suggestions_only_name_visible_organizations(client, cast):
    factories.organization(cast.sales_north, name="Northwind Traders")
    factories.organization(cast.sales_south, name="Northstar South")
    client.force_login(cast.sales_north)
    body = client.get(reverse("parties:organization_suggest"), {"q": "north"}).content.decode()
    assert "Northwind Traders" in body and "Northstar South" not in body


def test_creating_a_likely_duplicate_warns_with_links_and_reasons_and_writes_nothing(client, cast):
    existing = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@example.test"])
    client.force_login(cast.sales_north)
    data = form_data(client.get(reverse("parties:contact_new")).content.decode())
    data.update({"first_name": ["Anna"], "last_name": ["Kovacs"], "emails": ["ANNA@example.test"], "tags": ["vip"]})
    response = client.post(reverse("parties:contact_new"), data)
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="duplicates"' in body
    assert reverse("parties:contact_detail", args=[existing.public_id]) in body
    assert "same e-mail anna@example.test" in body and "same name" in body
    assert 'name="allow_duplicates" value="1"' in body
    assert Contact.objects.count() == 1
    # The form keeps everything typed, so "Create anyway" resubmits it as it was.
    again = form_data(body)
    assert again["last_name"] == ["Kovacs"] and again["tags"] == ["vip"]
    again["allow_duplicates"] = ["1"]
    response = client.post(reverse("parties:contact_new"), again)
    assert response.status_code == 302
    created = Contact.objects.exclude(pk=existing.pk).get()
    assert created.last_name == "Kovacs" and list(created.tags.values_list("name", flat=True)) == ["vip"]


def test_an_organization_with_the_same_tax_id_is_a_possible_duplicate(client, cast):
    factories.organization(cast.sales_north, name="Acme Kft", tax_id="12345678-2-42")
    client.force_login(cast.sales_north)
    data = form_data(client.get(reverse("parties:organization_new")).content.decode())
    data.update({"name": ["Totally Different Ltd"], "tax_id": ["12345678242"]})
    response = client.post(reverse("parties:organization_new"), data)
    assert response.status_code == 409 and "same tax id" in response.content.decode()
    assert Organization.objects.count() == 1


def test_another_teams_lookalike_is_not_revealed_and_the_create_goes_through(client, cast):
    factories.contact(cast.sales_south, first_name="Anna", last_name="Kovács", emails=["anna@example.test"])
    client.force_login(cast.sales_north)
    data = form_data(client.get(reverse("parties:contact_new")).content.decode())
    data.update({"first_name": ["Anna"], "last_name": ["Kovács"], "emails": ["anna@example.test"]})
    response = client.post(reverse("parties:contact_new"), data)
    assert response.status_code == 302
    assert Contact.objects.count() == 2


def test_field_errors_come_before_the_duplicate_warning(client, cast):
    factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@example.test"])
    client.force_login(cast.sales_north)
    data = form_data(client.get(reverse("parties:contact_new")).content.decode())
    data.update({"first_name": ["Anna"], "last_name": ["Kovács"], "emails": ["anna@example.test"], "birth_date": ["x"]})
    response = client.post(reverse("parties:contact_new"), data)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="f-birth_date-err"' in body and 'data-testid="duplicates"' not in body


def test_several_new_addresses_are_saved_in_one_go(client, cast):
    client.force_login(cast.sales_north)
    data = form_data(client.get(reverse("parties:contact_new")).content.decode())
    assert "addr-__n__-city" in data  # the row the page's script copies (ignored when posted)
    data.update(
        {
            "last_name": ["Mover"],
            "addr-0-city": ["Budapest"],
            "addr-1-label": ["home"],
            "addr-1-city": ["Pécs"],
            "addr-2-label": ["other"],
            "addr-2-city": [""],
            "addr-3-label": ["work"],
            "addr-3-city": ["Szeged"],
        }
    )
    assert client.post(reverse("parties:contact_new"), data).status_code == 302
    contact = Contact.objects.get(last_name="Mover")
    assert sorted(contact.addresses.values_list("label", "city")) == [
        ("home", "Pécs"),
        ("work", "Budapest"),
        ("work", "Szeged"),
    ]


def test_a_bad_second_new_address_is_marked_on_its_own_row(client, cast):
    client.force_login(cast.sales_north)
    data = form_data(client.get(reverse("parties:contact_new")).content.decode())
    data.update(
        {"last_name": ["Mover"], "addr-0-city": ["Budapest"], "addr-1-label": ["home"], "addr-1-country": ["Hungary"]}
    )
    response = client.post(reverse("parties:contact_new"), data)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="addr-1-country-err"' in body and 'value="Budapest"' in body
    assert not Contact.all_objects.exists()


def test_an_unknown_organization_name_stays_in_the_input_with_its_error(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Linked")
    client.force_login(cast.sales_north)
    data = edit_form(client, contact)
    data.update({"aff-new-name": ["Nowhere Ltd"], "aff-new-role": ["buyer"]})
    response = client.post(reverse("parties:contact_edit", args=[contact.public_id]), data)
    assert response.status_code == 422
    again = form_data(response.content.decode())
    assert again["aff-new-name"] == ["Nowhere Ltd"] and again["aff-new-role"] == ["buyer"]
    assert 'id="aff-new-name-err"' in response.content.decode()
