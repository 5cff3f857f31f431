from django.urls import path

from clientela.accounts import views, views_settings

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("profile/", views.profile, name="profile"),
    path("profile/details/", views.profile_update, name="profile_update"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<uuid:public_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("profile/two-factor/start/", views.totp_start, name="totp_start"),
    path("profile/two-factor/", views.totp_setup, name="totp_setup"),
    path("profile/two-factor/disable/", views.totp_disable, name="totp_disable"),
    # Administrator settings
    path("settings/", views_settings.index, name="settings"),
    path("settings/users/", views_settings.users, name="settings_users"),
    path("settings/users/new/", views_settings.user_create, name="settings_user_create"),
    path("settings/users/<uuid:public_id>/", views_settings.user_edit, name="settings_user_edit"),
    path(
        "settings/users/<uuid:public_id>/reset-link/",
        views_settings.user_reset_link,
        name="settings_user_reset_link",
    ),
    path(
        "settings/users/<uuid:public_id>/two-factor/disable/",
        views_settings.user_totp_disable,
        name="settings_user_totp_disable",
    ),
    path("settings/teams/", views_settings.teams, name="settings_teams"),
    path("settings/teams/new/", views_settings.team_create, name="settings_team_create"),
    path("settings/teams/<uuid:public_id>/", views_settings.team_edit, name="settings_team_edit"),
    path("settings/roles/", views_settings.roles, name="settings_roles"),
]
