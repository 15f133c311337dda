from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    """The registry of key projects, on which every other record and every access grant hangs."""

    name = "projects"
    verbose_name = "重点项目"

    def ready(self) -> None:
        from portal.accounts.models import Role
        from portal.accounts.roles import grant

        from . import permissions  # noqa: F401  (registers the access policy)

        grant(Role.BUREAU_STAFF, "projects.view_project", "projects.add_project", "projects.change_project",
              "projects.void_project")
        grant(Role.LEADER, "projects.view_project")
