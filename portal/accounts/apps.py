from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who people are: users, their organisations (with credit standing) and their roles."""

    name = "portal.accounts"
    label = "accounts"
    verbose_name = "账户与单位"

    def portal_plugin(self):
        from portal.core.plugins import Plugin

        return Plugin(policies=["portal.accounts.permissions"],
                      api_routes=[("organizations", "portal.accounts.apis.OrganizationViewSet", "organization")])

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="accounts.sync_roles")
