"""Administrator settings pages: users, teams, roles, custom fields."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from clientela.accounts import actions
from clientela.accounts.models import ApiToken, Team, User
from clientela.core.models import Event
from clientela.parties.models import CustomField

SETTINGS_PAGES: list[tuple[str, list[str]]] = [
    ("accounts:settings_users", []),
    ("accounts:settings_user_create", []),
    ("accounts:settings_teams", []),
    ("accounts:settings_team_create", []),
    ("accounts:settings_roles", []),
    ("parties:settings_custom_fields", []),
    ("parties:settings_custom_field_create", []),
]


@pytest.mark.parametrize(("name", "args"), SETTINGS_PAGES)
def test_administrator_opens_every_settings_page(admin_client, name, args):
    assert admin_client.get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize("username", ["manager_north", "sales_north", "analyst", "marketing", "readonly_north"])
@pytest.mark.parametrize(("name", "args"), SETTINGS_PAGES)
def test_other_roles_get_403_on_settings_pages(client, cast, username, name, args):
    client.force_login(getattr(cast, username))
    assert client.get(reverse(name, args=args)).status_code == 403


def test_sales_cannot_post_to_settings(client, cast):
    client.force_login(cast.sales_north)
    response = client.post(
        reverse("accounts:settings_user_edit", args=[cast.sales_north.public_id]),
        {"role": "admin", "is_active": "on"},
    )
    assert response.status_code == 403
    cast.sales_north.refresh_from_db()
    assert cast.sales_north.role == "sales"


def test_signed_out_visitors_go_to_the_login_page(client, cast):
    response = client.get(reverse("accounts:settings_users"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_users_list_filters_and_runs_a_fixed_number_of_queries(admin_client, cast, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        page = admin_client.get(reverse("accounts:settings_users")).content.decode()
    assert "sales_south" in page and "manager_north" in page
    for index in range(30):
        User.objects.create(username=f"extra{index}", team=cast.north)
    with django_assert_max_num_queries(8):
        admin_client.get(reverse("accounts:settings_users"))
    filtered = admin_client.get(
        reverse("accounts:settings_users"), {"role": "sales", "team": str(cast.north.public_id)}
    ).content.decode()
    assert "sales_north_2" in filtered
    assert "sales_south" not in filtered
    assert "manager_north" not in filtered


def test_administrator_adds_a_user_from_the_page(admin_client, cast):
    response = admin_client.post(
        reverse("accounts:settings_user_create"),
        {
            "username": "fresh",
            "role": "service",
            "team": str(cast.south.public_id),
            "password": "good-long-passphrase-1",
        },
    )
    user = User.objects.get(username="fresh")
    assert response["Location"] == reverse("accounts:settings_user_edit", args=[user.public_id])
    assert user.team == cast.south and user.role == "service"
    assert user.check_password("good-long-passphrase-1")


def test_user_form_shows_errors_next_to_the_fields(admin_client, cast):
    response = admin_client.post(
        reverse("accounts:settings_user_create"),
        {"username": "sales_north", "role": "sales", "password": "short"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "already exists" in page
    assert User.objects.filter(username__iexact="sales_north").count() == 1


def test_administrator_changes_role_team_and_deactivates(admin_client, cast):
    _token, raw = actions.token_create(actor=cast.sales_north, user=cast.sales_north)
    response = admin_client.post(
        reverse("accounts:settings_user_edit", args=[cast.sales_north.public_id]),
        {"role": "manager", "team": str(cast.south.public_id), "email": "s@example.test"},
    )
    assert response.status_code == 302
    cast.sales_north.refresh_from_db()
    assert (cast.sales_north.role, cast.sales_north.team, cast.sales_north.is_active) == ("manager", cast.south, False)
    assert ApiToken.objects.get(user=cast.sales_north).revoked_at is not None


def test_administrator_cannot_demote_themselves_on_the_page(admin_client, cast):
    response = admin_client.post(
        reverse("accounts:settings_user_edit", args=[cast.admin.public_id]), {"role": "sales", "is_active": "on"}
    )
    assert response.status_code == 400
    assert b"your own role" in response.content
    cast.admin.refresh_from_db()
    assert cast.admin.role == "admin"


def test_reset_link_is_shown_and_mailed_and_logged(admin_client, cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = admin_client.post(reverse("accounts:settings_user_reset_link", args=[cast.sales_north.public_id]))
    page = response.content.decode()
    link = page.split('id="reset-link">')[1].split("<")[0]
    assert "/accounts/password/reset/" in link
    assert link in mail.outbox[0].body
    assert Event.objects.filter(action="user.password_reset_link", actor=cast.admin).exists()


def test_administrator_creates_and_edits_a_team(admin_client, cast):
    response = admin_client.post(
        reverse("accounts:settings_team_create"),
        {"name": "West", "manager": str(cast.sales_south.public_id), "members": [str(cast.marketing.public_id)]},
    )
    assert response["Location"] == reverse("accounts:settings_teams")
    west = Team.objects.get(name="West")
    assert set(west.members.values_list("username", flat=True)) == {"sales_south", "marketing"}
    assert west.manager == cast.sales_south
    page = admin_client.get(reverse("accounts:settings_team_edit", args=[west.public_id])).content.decode()
    assert "West" in page
    admin_client.post(
        reverse("accounts:settings_team_edit", args=[west.public_id]),
        {"name": "Far West", "manager": str(cast.sales_south.public_id), "members": [str(cast.sales_south.public_id)]},
    )
    west.refresh_from_db()
    assert west.name == "Far West"
    assert list(west.members.values_list("username", flat=True)) == ["sales_south"]


def test_team_form_refuses_a_duplicate_name(admin_client, cast):
    response = admin_client.post(reverse("accounts:settings_team_create"), {"name": "NORTH"})
    assert response.status_code == 400
    assert b"already exists" in response.content


def test_teams_list_runs_a_fixed_number_of_queries(admin_client, cast, django_assert_max_num_queries):
    for index in range(10):
        actions.team_create(actor=cast.admin, values={"name": f"Team {index}"})
    with django_assert_max_num_queries(7):
        page = admin_client.get(reverse("accounts:settings_teams")).content.decode()
    assert "Team 9" in page
    assert "Manager North" in page


def test_role_matrix_shows_every_role_and_the_visibility_setting(admin_client, settings):
    page = admin_client.get(reverse("accounts:settings_roles")).content.decode()
    for role in ("admin", "manager", "sales", "service", "marketing", "analyst", "read_only"):
        assert f'data-role="{role}"' in page
    assert "CLIENTELA_ROLE_VISIBILITY" in page
    settings.CLIENTELA_ROLE_VISIBILITY = {"sales": "own"}
    page = admin_client.get(reverse("accounts:settings_roles")).content.decode()
    sales_row = page.split('data-role="sales"')[1].split("</tr>")[0]
    assert "own records" in sales_row
    assert "sales=own" in page


def test_custom_field_create_edit_and_delete(admin_client, cast):
    response = admin_client.post(
        reverse("parties:settings_custom_field_create"),
        {
            "entity": "contact",
            "key": "shoe_size",
            "label": "Shoe size",
            "type": "choice",
            "choices": "S\nM\nL\n",
            "position": "3",
        },
    )
    assert response["Location"] == reverse("parties:settings_custom_fields")
    field = CustomField.objects.get(key="shoe_size")
    assert field.choices == ["S", "M", "L"]
    listing = admin_client.get(reverse("parties:settings_custom_fields")).content.decode()
    assert "Shoe size" in listing
    admin_client.post(
        reverse("parties:settings_custom_field_edit", args=[field.public_id]),
        {"label": "Shoe", "choices": "S\nM\nL\nXL", "version": field.version},
    )
    field.refresh_from_db()
    assert (field.label, field.choices, field.version) == ("Shoe", ["S", "M", "L", "XL"], 2)
    assert admin_client.get(reverse("parties:settings_custom_field_delete", args=[field.public_id])).status_code == 200
    admin_client.post(reverse("parties:settings_custom_field_delete", args=[field.public_id]))
    assert not CustomField.objects.filter(key="shoe_size").exists()
    assert Event.objects.filter(action__startswith="custom_field.").count() == 3


def test_custom_field_errors_are_shown_and_nothing_is_written(admin_client, cast):
    bad_key = admin_client.post(
        reverse("parties:settings_custom_field_create"),
        {"entity": "contact", "key": "Bad Key", "label": "X", "type": "text"},
    )
    assert bad_key.status_code == 400
    key_errors = bad_key.content.decode().split('id="id_key_error"')[1].split("</ul>")[0]
    assert "lower-case letters" in key_errors and "slug" not in key_errors  # the rule in plain words
    upper = admin_client.post(
        reverse("parties:settings_custom_field_create"),
        {"entity": "contact", "key": "Shoe", "label": "X", "type": "text"},
    )
    assert b"lower-case letters" in upper.content
    no_choices = admin_client.post(
        reverse("parties:settings_custom_field_create"),
        {"entity": "contact", "key": "colour", "label": "Colour", "type": "choice", "choices": ""},
    )
    assert no_choices.status_code == 400
    assert b"choice field needs" in no_choices.content
    assert not CustomField.objects.exists()


def test_custom_field_edit_with_a_stale_version_warns_and_keeps_the_newer_value(admin_client, cast):
    from clientela.parties import actions as party_actions

    field = party_actions.custom_field_create(
        actor=cast.admin, values={"entity": "organization", "key": "tier", "label": "Tier", "type": "text"}
    )
    party_actions.custom_field_update(actor=cast.admin, definition=field, values={"label": "Level"})
    response = admin_client.post(
        reverse("parties:settings_custom_field_edit", args=[field.public_id]), {"label": "Grade", "version": 1}
    )
    assert response.status_code == 400
    assert b"Someone else changed this field" in response.content
    field.refresh_from_db()
    assert field.label == "Level"


def test_unknown_ids_are_404(admin_client, cast):
    import uuid

    assert admin_client.get(reverse("accounts:settings_user_edit", args=[uuid.uuid4()])).status_code == 404
    assert admin_client.get(reverse("accounts:settings_team_edit", args=[uuid.uuid4()])).status_code == 404
    assert admin_client.get(reverse("parties:settings_custom_field_edit", args=[uuid.uuid4()])).status_code == 404


def test_user_names_are_escaped_on_the_settings_pages(admin_client, cast):
    actions.user_update(actor=cast.admin, user=cast.sales_north, values={"first_name": "<script>alert(1)</script>"})
    page = admin_client.get(reverse("accounts:settings_users")).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page
