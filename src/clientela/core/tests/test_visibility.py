"""Who sees what: the role decides own / team / all."""

import pytest

from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.parties import actions, queries
from clientela.testing import factories


@pytest.fixture
def records(cast):
    return {
        "north": factories.contact(cast.sales_north),
        "north_2": factories.contact(cast.sales_north_2),
        "south": factories.contact(cast.sales_south),
        "unassigned": factories.contact(cast.admin),
    }


def visible_names(user, records):
    ids = set(queries.contacts_visible(user).values_list("pk", flat=True))
    return {name for name, record in records.items() if record.pk in ids}


def test_sales_users_see_their_teams_records_only(cast, records):
    assert visible_names(cast.sales_north, records) == {"north", "north_2"}
    assert visible_names(cast.sales_south, records) == {"south"}


def test_managers_see_their_team(cast, records):
    assert visible_names(cast.manager_north, records) == {"north", "north_2"}


def test_admin_marketing_and_analyst_see_everything(cast, records):
    for user in (cast.admin, cast.marketing, cast.analyst):
        assert visible_names(user, records) == set(records)


def test_read_only_and_analyst_may_not_write(cast, records):
    for user in (cast.readonly_north, cast.analyst):
        with pytest.raises(PermissionDenied):
            actions.contact_update(actor=user, contact=records["north"], values={"title": "x"})


def test_service_may_edit_but_not_delete(cast, records):
    actions.contact_update(actor=cast.service_north, contact=records["north"], values={"title": "x"})
    with pytest.raises(PermissionDenied):
        actions.contact_trash(actor=cast.service_north, contact=records["north"])


def test_a_sales_user_cannot_hand_a_record_to_another_team(cast, records):
    with pytest.raises(ValidationFailed) as failed:
        actions.record_assign(actor=cast.sales_north, record=records["north"], owner=cast.sales_south)
    assert failed.value.errors[0].field == "owner"


def test_own_visibility_can_be_configured_per_role(cast, records, settings):
    settings.CLIENTELA_ROLE_VISIBILITY = {"sales": "own"}
    assert visible_names(cast.sales_north, records) == {"north"}


def test_deactivated_users_see_nothing(cast, records):
    cast.admin.is_active = False
    assert visible_names(cast.admin, records) == set()
