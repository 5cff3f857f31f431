"""The API's bodies come from the entity declarations: what the OpenAPI document promises
for contacts and organizations is pinned here, so a change to a declaration or a model
field shows in the API (and here) rather than silently."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from clientela.core.apikit.entity_schemas import URL_PATTERN, Bases, entity_schemas
from clientela.core.apikit.text import NO_NUL, VISIBLE
from clientela.core.entities import Entity, Field
from clientela.parties.entities import CONTACT, ORGANIZATION
from clientela.parties.models import Contact, Gender, LifecycleStage, Organization
from clientela.parties.schemas import SCHEMAS, Out, PatchBody, Strict
from clientela.testing import factories
from clientela.testing.api import ApiClient

PEOPLE = {"owner", "team"}
CONTACT_COLLECTIONS = {"emails", "phones", "addresses", "tags", "organizations", "custom"}
ORGANIZATION_COLLECTIONS = {"emails", "phones", "addresses", "tags", "custom"}


@pytest.fixture(scope="module")
def components() -> dict:
    document = Client().get("/api/v1/openapi.json").json()
    return document["components"]["schemas"]


def props(components: dict, name: str) -> dict:
    return components[name]["properties"]


def test_a_create_body_requires_only_the_naming_field_and_a_patch_nothing(components):
    assert components["ContactCreate"]["required"] == ["last_name"]
    assert components["OrganizationCreate"]["required"] == ["name"]
    for patch in ("ContactPatch", "OrganizationPatch"):
        assert "required" not in components[patch]
        assert all("default" not in prop for prop in props(components, patch).values()), patch
    for body in ("ContactCreate", "ContactPatch", "OrganizationCreate", "OrganizationPatch"):
        assert components[body]["additionalProperties"] is False


def test_request_bodies_hold_each_declared_field_and_the_apps_extras(components):
    contact = set(CONTACT.value_fields) | PEOPLE | CONTACT_COLLECTIONS
    organization = set(ORGANIZATION.value_fields) | {"parent"} | PEOPLE | ORGANIZATION_COLLECTIONS
    assert set(props(components, "ContactCreate")) == set(props(components, "ContactPatch")) == contact
    assert set(props(components, "OrganizationCreate")) == set(props(components, "OrganizationPatch")) == organization
    assert "mobile" not in contact  # an import column; in the API one of the phones


def test_text_limits_come_from_the_model_fields(components):
    last_name = props(components, "ContactCreate")["last_name"]
    assert (last_name["minLength"], last_name["maxLength"], last_name["pattern"]) == (1, 100, VISIBLE)
    assert props(components, "ContactPatch")["last_name"] == last_name
    name = props(components, "OrganizationCreate")["name"]
    assert (name["minLength"], name["maxLength"]) == (1, Organization._meta.get_field("name").max_length)
    for entity, body in ((CONTACT, "ContactCreate"), (ORGANIZATION, "OrganizationCreate")):
        for field in entity.value_fields:
            model_field = entity.model_field(field)
            if model_field.max_length and not model_field.choices:
                assert props(components, body)[field]["maxLength"] == model_field.max_length, field
    first_name = props(components, "ContactCreate")["first_name"]
    assert (first_name["maxLength"], first_name["pattern"], first_name["default"]) == (100, NO_NUL, "")
    assert "minLength" not in first_name


def test_choices_limits_dates_and_urls(components):
    contact = props(components, "ContactCreate")
    assert contact["lifecycle_stage"] == {
        "default": "target",
        "enum": ["target", "prospect", "customer", "lost"],
        "title": "Lifecycle Stage",
        "type": "string",
    }
    assert contact["lifecycle_stage"]["enum"] == LifecycleStage.values
    assert contact["gender"]["enum"] == ["", *Gender.values]  # may be left empty
    assert contact["children"]["anyOf"] == [{"maximum": 100, "minimum": 0, "type": "integer"}, {"type": "null"}]
    assert contact["birth_date"]["anyOf"] == [{"format": "date", "type": "string"}, {"type": "null"}]
    assert contact["notes"]["maxLength"] == 20_000
    organization = props(components, "OrganizationCreate")
    assert organization["website"] == {
        "default": "",
        "maxLength": 300,
        "pattern": URL_PATTERN,
        "title": "Website",
        "type": "string",
    }
    assert organization["size"]["enum"][0] == ""
    assert organization["parent"]["description"] == "The parent organization's id"
    assert organization["owner"]["description"] == "A user's id; default: you"


def test_responses_show_the_declared_fields(components):
    record = {"id", "version", "created_at", "updated_at", "deleted_at", "owner", "team", "tags", "custom"}
    assert set(props(components, "ContactSummary")) == record | {
        "first_name", "last_name", "title", "lifecycle_stage", "customer_category", "full_name", "email", "phone",
    }  # fmt: skip
    assert set(props(components, "ContactOut")) == (
        record | set(CONTACT.value_fields) | CONTACT_COLLECTIONS | {"full_name", "email", "phone"}
    )
    assert set(props(components, "OrganizationSummary")) == record | {
        "name", "legal_name", "tax_id", "industry", "size", "website", "lifecycle_stage", "customer_category",
    }  # fmt: skip
    assert set(props(components, "OrganizationOut")) == (
        record | set(ORGANIZATION.value_fields) | {"parent", "contacts"} | ORGANIZATION_COLLECTIONS
    )
    out = props(components, "ContactOut")
    assert out["children"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert out["gender"] == {"title": "Gender", "type": "string"}
    assert set(components["ContactOut"]["required"]) == set(out)


@pytest.mark.django_db
def test_a_body_has_exactly_its_schemas_properties(cast):
    api = ApiClient(cast.sales_north)
    organization = factories.organization(cast.sales_north, name="Acme")
    affiliation = {"organization": organization}
    factories.contact(cast.sales_north, first_name="Ada", last_name="Lovelace", organizations=[affiliation])
    for collection, entity in (("contacts", CONTACT), ("organizations", ORGANIZATION)):
        listed = api.get(f"/{collection}").json()["items"]
        assert set(listed[0]) == set(SCHEMAS[entity.name].summary.model_fields), collection
        one = api.get(f"/{collection}/{listed[0]['id']}").json()
        assert set(one) == set(SCHEMAS[entity.name].out.model_fields), collection
    members = api.get(f"/organizations/{organization.public_id}").json()["contacts"]
    assert [m["name"] for m in members] == ["Ada Lovelace"]


def test_a_new_declaration_gets_its_schemas_from_the_model():
    """Another entity over the same kind of model: its bodies follow its own declaration."""
    lean = Entity(
        name="lean",
        model=Contact,
        name_field="first_name",
        fields=(Field("first_name"), Field("children"), Field("language")),
        people=(),
    )
    schemas = entity_schemas(lean, bases=Bases(create=Strict, patch=PatchBody, out=Out), module=__name__)
    assert schemas.create.__name__ == "ContactCreate"
    create = schemas.create.model_json_schema()
    assert create["required"] == ["first_name"]
    assert set(create["properties"]) == {"first_name", "children", "language"}
    # A positive integer's lower bound is its type's; the column's upper bound (which differs by database) is not.
    assert create["properties"]["children"]["anyOf"][0] == {"minimum": 0, "type": "integer"}
    assert schemas.patch.model_validate({"children": 3}).model_dump(exclude_unset=True) == {"children": 3}
    with pytest.raises(ImproperlyConfigured, match="needs a limit"):
        entity_schemas(
            Entity(name="noted", model=Contact, name_field="last_name", fields=(Field("last_name"), Field("notes"))),
            bases=Bases(create=Strict, patch=PatchBody, out=Out),
            module=__name__,
        )
