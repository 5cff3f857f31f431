from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clientela.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from clientela.accounts import queries
        from clientela.accounts.roles import check_role_overrides
        from clientela.core import housekeeping
        from clientela.core.recordtypes import register

        check_role_overrides()
        register("accounts.user", admin_only=True, names=queries.user_names)
        register("accounts.team", admin_only=True, names=queries.team_names)
        register("accounts.apitoken", admin_only=True)
        housekeeping.register("accounts.password_resets", "clientela.accounts.tasks.forget_password_resets")
