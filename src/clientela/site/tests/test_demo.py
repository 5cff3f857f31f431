"""`clientela demo`: consistent, reproducible demo data that never lands on top of real data."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from clientela.accounts.models import Team, User
from clientela.accounts.roles import Role
from clientela.core.models import Event
from clientela.parties import writes
from clientela.parties.customfields import clean_custom
from clientela.parties.models import Affiliation, Contact, CustomField, Organization, Relationship, Tag
from clientela.sales.models import Deal, Lead, Pipeline
from clientela.site.demo import cast
from clientela.testing import factories

# The demo loads into the empty database of a fresh install, without the tests' stored cast.
pytestmark = pytest.mark.usefixtures("empty_database")

SMALL = 0.02  # 40 organizations, 200 contacts


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--scale", str(SMALL), *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, Any]:
    contacts = Contact.all_objects.order_by("public_id")
    organizations = Organization.all_objects.order_by("public_id")
    return {
        "organizations": list(
            organizations.values_list(
                "public_id", "name", "legal_name", "tax_id", "website", "owner__username", "custom"
            )
        ),
        "contacts": list(
            contacts.values_list(
                "public_id", "first_name", "last_name", "birth_date", "primary_email", "primary_phone",
                "team__name", "owner__username", "custom",
            )
        ),
        "affiliations": sorted(
            Affiliation.objects.values_list("contact__public_id", "organization__public_id", "role")
        ),
        "relationships": sorted(
            Relationship.objects.values_list(
                "from_contact__public_id", "from_organization__public_id", "to_contact__public_id",
                "to_organization__public_id", "kind",
            ),
            key=str,
        ),
    }  # fmt: skip


def wipe() -> None:
    factories.wipe_sales_documents()
    Lead.all_objects.update(converted_deal=None)
    Deal.all_objects.all().delete()
    Lead.all_objects.all().delete()
    Pipeline.all_objects.filter(is_default=False).delete()
    Event.objects.all().delete()
    Relationship.objects.all().delete()
    Contact.all_objects.all().delete()
    Organization.all_objects.all().delete()
    CustomField.objects.all().delete()
    Tag.objects.all().delete()
    Team.objects.update(manager=None)
    User.objects.all().delete()
    Team.objects.all().delete()


@pytest.mark.django_db
def test_demo_creates_five_teams_and_fifteen_users_of_every_role() -> None:
    output = load_demo()

    assert Team.objects.count() == 5
    assert User.objects.count() == 15
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert all(team.manager is not None and team.manager.team_id == team.pk for team in Team.objects.all())
    user = User.objects.get(username="hu.sales")
    assert user.check_password(cast.DEMO_PASSWORD)
    assert "hu.sales" in output and cast.DEMO_PASSWORD in output


@pytest.mark.django_db
def test_demo_records_are_owned_by_members_of_their_team() -> None:
    load_demo()

    assert Organization.objects.count() == 40
    assert Contact.objects.count() == 200
    for record in [*Organization.objects.select_related("owner"), *Contact.objects.select_related("owner")]:
        assert record.team_id is not None
        assert record.owner.team_id == record.team_id, record
        assert record.created_by_id == record.owner_id
    for affiliation in Affiliation.objects.select_related("contact", "organization"):
        assert affiliation.contact.team_id == affiliation.organization.team_id
    for organization in Organization.objects.exclude(parent=None).select_related("parent"):
        assert organization.parent.team_id == organization.team_id
    for relationship in Relationship.objects.select_related(
        "from_contact", "to_contact", "from_organization", "to_organization"
    ):
        ends = [
            relationship.from_contact or relationship.from_organization,
            relationship.to_contact or relationship.to_organization,
        ]
        assert ends[0].team_id == ends[1].team_id
        assert ends[0] != ends[1]


@pytest.mark.django_db
def test_demo_records_match_what_the_actions_would_store() -> None:
    load_demo()

    for record in [*Organization.objects.all()[:20], *Contact.objects.all()[:60]]:
        stored = {name: getattr(record, name) for name in ("search_text", "name_key")}
        if isinstance(record, Contact):
            stored |= {"primary_email": record.primary_email, "primary_phone": record.primary_phone}
        writes.refresh_denormalised(record)  # the actions' own denormalisation, recomputed
        assert stored == {name: getattr(record, name) for name in stored}, record
        entity = "contact" if isinstance(record, Contact) else "organization"
        assert clean_custom(entity, record.custom, creating=False) == record.custom


@pytest.mark.django_db
def test_demo_logs_one_creation_event_per_record_from_the_demo_source() -> None:
    load_demo()

    for model, action in ((Organization, "organization.create"), (Contact, "contact.create")):
        events = Event.objects.filter(action=action)
        assert events.count() == model.objects.count()
        assert set(events.values_list("source", flat=True)) == {"demo"}
        record = model.objects.first()
        event = events.get(record_id=record.public_id)
        assert event.actor_id == record.owner_id
        assert event.occurred_at == record.created_at
        assert event.changes["owner"] == [None, str(record.owner.public_id)]  # by public id, as the actions log it
    assert CustomField.objects.count() == 5
    assert Event.objects.filter(action="custom_field.create", source="demo").count() == 5


@pytest.mark.django_db
def test_every_demo_user_team_organization_and_contact_has_a_creation_event() -> None:
    load_demo()

    for model, action in (
        (User, "user.create"),
        (Team, "team.create"),
        (Organization, "organization.create"),
        (Contact, "contact.create"),
    ):
        public_ids = set(model.objects.values_list("public_id", flat=True))
        logged = Event.objects.filter(action=action, kind=Event.Kind.CREATED, source="demo")
        assert public_ids and set(logged.values_list("record_id", flat=True)) == public_ids, action
        assert logged.count() == len(public_ids), action
    managers = Event.objects.filter(action="team.update", source="demo").values_list("changes", flat=True)
    assert all(changes.keys() == {"manager"} for changes in managers) and len(managers) == Team.objects.count()


@pytest.mark.django_db
def test_demo_refuses_a_database_that_is_not_empty() -> None:
    User.objects.create(username="someone")

    with pytest.raises(CommandError, match="not empty; use --force") as raised:
        load_demo()

    assert raised.value.returncode == 1
    assert not Organization.all_objects.exists() and not Contact.all_objects.exists()
    assert not Team.objects.exists()


@pytest.mark.django_db
def test_demo_with_force_adds_to_a_database_that_has_data() -> None:
    load_demo()

    load_demo("--force")

    assert Contact.objects.count() == 400
    assert User.objects.count() == 15
    assert Team.objects.count() == 5


@pytest.mark.django_db
def test_demo_status_tells_whether_the_database_is_empty() -> None:
    out = StringIO()
    call_command("demo", "--status", stdout=out)
    assert out.getvalue().strip() == "empty"

    User.objects.create(username="someone")
    out = StringIO()
    call_command("demo", "--status", stdout=out)
    assert out.getvalue().strip() == "not empty"


@pytest.mark.django_db
def test_demo_with_the_same_seed_makes_the_same_data() -> None:
    load_demo("--seed", "7")
    first = snapshot()
    wipe()

    load_demo("--seed", "7")

    assert snapshot() == first
    wipe()
    load_demo("--seed", "8")
    assert snapshot()["contacts"] != first["contacts"]


@pytest.mark.django_db
def test_demo_relationships_are_in_both_parties_history_and_versions_count_the_changes() -> None:
    load_demo()

    relationship = Relationship.objects.exclude(from_contact=None).select_related("from_contact", "to_contact").first()
    assert relationship is not None
    for party in (relationship.from_contact, relationship.to_contact):
        actions_logged = set(Event.objects.filter(record_id=party.public_id).values_list("action", flat=True))
        assert actions_logged >= {"contact.create", "contact.relationship_add"}
    for model in (Organization, Contact):
        for record in model.objects.all():
            events = Event.objects.filter(record_id=record.public_id).order_by("id")
            assert record.version == events.count()
            assert list(events.values_list("version", flat=True)) == list(range(1, record.version + 1))
            assert events.last().occurred_at == record.updated_at
