from importlib import import_module

from django.apps import AppConfig

# The parts of a project's lifecycle, each a package of projects/ with its pages, API, access rules and demo.
PARTS = ("gates", "feasibility", "risks", "schedule", "progress", "regions", "gis")


class ProjectsConfig(AppConfig):
    """The registry of key projects, on which every other record and every access grant hangs, and the parts of
    each project's lifecycle (see `PARTS`)."""

    name = "projects"
    verbose_name = "重点项目"

    def ready(self) -> None:
        from portal.accounts.models import Role
        from portal.accounts.roles import grant

        from . import permissions  # noqa: F401  (registers the access policies)

        for part in PARTS:
            import_module(f"projects.{part}.permissions")
        grant(Role.BUREAU_STAFF, "projects.view_project", "projects.add_project", "projects.change_project",
              "projects.void_project")
        grant(Role.LEADER, "projects.view_project")
