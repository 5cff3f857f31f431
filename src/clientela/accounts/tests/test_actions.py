"""The write path for users and teams: permission, validation, the change log."""

from __future__ import annotations

import pytest

from clientela.accounts import actions
from clientela.accounts.models import Team, User
from clientela.accounts.roles import Role
from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.core.models import Event

GOOD_PASSWORD = "plenty-long-passphrase-7"


def test_administrator_creates_a_user_and_the_change_log_records_it(cast):
    user = actions.user_create(
        actor=cast.admin,
        values={"username": "newbie", "role": Role.SERVICE, "team": cast.south, "email": "n@example.test"},
        password=GOOD_PASSWORD,
    )
    assert user.check_password(GOOD_PASSWORD)
    assert user.team == cast.south
    event = Event.objects.get(action="user.create", record_id=user.public_id)
    assert event.actor == cast.admin
    assert event.changes["role"] == [None, "service"]
    assert event.changes["team"] == [None, str(cast.south.public_id)]
    assert "password" not in event.changes


def test_a_user_without_a_password_cannot_sign_in_until_reset(cast):
    user = actions.user_create(actor=cast.admin, values={"username": "later", "role": Role.SALES})
    assert not user.has_usable_password()


def test_users_created_with_one_password_hash_share_the_password_without_hashing_it_again(cast):
    from django.contrib.auth.hashers import make_password

    hashed = make_password(GOOD_PASSWORD)
    users = [
        actions.user_create(actor=None, values={"username": name, "role": Role.SALES}, password_hash=hashed)
        for name in ("one", "two")
    ]
    assert all(user.check_password(GOOD_PASSWORD) for user in users)
    assert Event.objects.filter(action="user.create", record_id__in=[u.public_id for u in users]).count() == 2


def test_a_password_hash_must_come_from_the_sites_hashers(cast):
    for bad in ("plain-text-password", "!unusable"):
        with pytest.raises(ValidationFailed) as failed:
            values = {"username": "hashless", "role": Role.SALES}
            actions.user_create(actor=cast.admin, values=values, password_hash=bad)
        assert [e.field for e in failed.value.errors] == ["password"]
    assert not User.objects.filter(username="hashless").exists()


def test_only_administrators_create_users(cast):
    for actor in (cast.manager_north, cast.sales_north, cast.analyst):
        with pytest.raises(PermissionDenied):
            actions.user_create(actor=actor, values={"username": "sneaky", "role": Role.ADMIN})
    assert not User.objects.filter(username="sneaky").exists()


def test_bad_user_values_name_every_field_and_write_nothing(cast):
    with pytest.raises(ValidationFailed) as failed:
        actions.user_create(
            actor=cast.admin,
            values={"username": "bad name!", "role": "boss", "email": "not-an-email", "team": "Nowhere"},
            password=GOOD_PASSWORD,
        )
    fields = {error.field for error in failed.value.errors}
    assert {"username", "role", "team"} <= fields
    assert "admin, manager, sales" in str(failed.value)
    assert not Event.objects.filter(action="user.create").exists()


def test_usernames_are_unique_ignoring_case(cast):
    with pytest.raises(ValidationFailed) as failed:
        actions.user_create(actor=cast.admin, values={"username": "Sales_North", "role": Role.SALES})
    assert failed.value.errors[0].code == "duplicate"


def test_administrator_changes_role_team_and_active(cast):
    user = actions.user_update(
        actor=cast.admin, user=cast.sales_north, values={"role": Role.MANAGER, "team": cast.south, "is_active": False}
    )
    assert (user.role, user.team, user.is_active) == (Role.MANAGER, cast.south, False)
    event = Event.objects.get(action="user.update", record_id=user.public_id)
    assert event.changes["role"] == ["sales", "manager"]
    assert event.changes["is_active"] == [True, False]


def test_nobody_changes_their_own_role_or_deactivates_themselves(cast):
    with pytest.raises(PermissionDenied):
        actions.user_update(actor=cast.sales_north, user=cast.sales_north, values={"role": Role.ADMIN})
    with pytest.raises(PermissionDenied):
        actions.user_update(actor=cast.admin, user=cast.admin, values={"role": Role.SALES})
    with pytest.raises(PermissionDenied):
        actions.user_update(actor=cast.admin, user=cast.admin, values={"is_active": False})
    cast.sales_north.refresh_from_db()
    assert cast.sales_north.role == Role.SALES


def test_a_user_edits_their_own_name_but_not_their_team(cast):
    user = actions.user_update(actor=cast.sales_north, user=cast.sales_north, values={"first_name": "Sam"})
    assert user.first_name == "Sam"
    with pytest.raises(ValidationFailed):
        actions.user_update(actor=cast.sales_north, user=cast.sales_north, values={"team": cast.south})
    with pytest.raises(PermissionDenied):
        actions.user_update(actor=cast.sales_north, user=cast.sales_south, values={"first_name": "X"})


def test_an_update_that_changes_nothing_logs_nothing(cast):
    actions.user_update(actor=cast.admin, user=cast.sales_north, values={"role": Role.SALES})
    assert not Event.objects.filter(action="user.update").exists()


def test_team_create_with_manager_and_members_moves_them(cast):
    team = actions.team_create(
        actor=cast.admin, values={"name": "East", "manager": cast.sales_north, "members": [cast.sales_south]}
    )
    cast.sales_north.refresh_from_db()
    cast.sales_south.refresh_from_db()
    assert cast.sales_north.team == team  # the manager is a member
    assert cast.sales_south.team == team
    event = Event.objects.get(action="team.create")
    assert event.changes["members"] == [[], ["sales_north", "sales_south"]]
    moved = Event.objects.filter(action="user.update", record_id=cast.sales_south.public_id).get()
    assert moved.changes["team"] == [str(cast.south.public_id), str(team.public_id)]


def test_team_update_replaces_members_and_logs_the_difference(cast):
    team = actions.team_update(
        actor=cast.admin, team=cast.north, values={"members": [cast.manager_north, cast.sales_north]}
    )
    assert set(User.objects.filter(team=team).values_list("username", flat=True)) == {"manager_north", "sales_north"}
    cast.readonly_north.refresh_from_db()
    assert cast.readonly_north.team is None
    event = Event.objects.get(action="team.update")
    assert event.changes["members"][1] == ["manager_north", "sales_north"]


def test_team_names_are_required_and_unique(cast):
    with pytest.raises(ValidationFailed):
        actions.team_create(actor=cast.admin, values={"name": ""})
    with pytest.raises(ValidationFailed):
        actions.team_create(actor=cast.admin, values={"name": "north"})
    with pytest.raises(ValidationFailed):
        actions.team_update(actor=cast.admin, team=cast.south, values={"name": "North"})
    assert Team.objects.count() == 2


def test_an_inactive_user_cannot_manage_a_team(cast):
    actions.user_update(actor=cast.admin, user=cast.sales_south, values={"is_active": False})
    with pytest.raises(ValidationFailed) as failed:
        actions.team_update(actor=cast.admin, team=cast.north, values={"manager": cast.sales_south})
    assert failed.value.errors[0].field == "manager"


def test_only_administrators_manage_teams(cast):
    with pytest.raises(PermissionDenied):
        actions.team_update(actor=cast.manager_north, team=cast.north, values={"members": [cast.sales_south]})
    with pytest.raises(PermissionDenied):
        actions.team_create(actor=cast.sales_north, values={"name": "Mine"})


def test_moving_a_user_to_another_team_changes_what_they_see(cast):
    from clientela.core.visibility import can_see
    from clientela.testing import factories

    south_contact = factories.contact(cast.sales_south, last_name="Southerly")
    assert not can_see(cast.sales_north, south_contact)
    actions.team_update(actor=cast.admin, team=cast.south, values={"members": [cast.sales_south, cast.sales_north]})
    cast.sales_north.refresh_from_db()
    assert can_see(cast.sales_north, south_contact)
