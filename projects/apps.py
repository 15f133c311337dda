from importlib import import_module

from django.apps import AppConfig

# The parts of a project's lifecycle, each a package of projects/ with its pages, API, access rules and demo.
PARTS = ("gates", "feasibility", "risks", "schedule", "progress", "regions", "gis", "bim")


class ProjectsConfig(AppConfig):
    """The registry of key projects, on which every other record and every access grant hangs, and the parts of
    each project's lifecycle (see `PARTS`)."""

    name = "projects"
    verbose_name = "重点项目"

    def portal_plugin(self):
        from django.utils.translation import gettext_lazy as _

        from portal.accounts.models import Role
        from portal.core.plugins import HomeCard, Plugin

        from . import home
        from .gates.catalogue import seed_after_migrate

        bureau = (Role.BUREAU_STAFF, Role.LEADER)
        return Plugin(
            policies=["projects.permissions", *(f"projects.{part}.permissions" for part in PARTS)],
            role_permissions={
                Role.BUREAU_STAFF: ["projects.view_project", "projects.add_project", "projects.change_project",
                                    "projects.void_project", "projects.view_gaterequirement",
                                    "projects.add_gaterequirement", "projects.change_gaterequirement"],
                Role.LEADER: ["projects.view_project", "projects.view_gaterequirement"],
            },
            periodic_tasks={
                "feasibility overdue opinions": {"task": "projects.feasibility.notify_overdue_opinions",
                                                 "every": 24 * 60 * 60,
                                                 "label": _("Reminders of overdue feasibility opinions")},
                # Daily, but each owner hears once a month (due by the 10th) and once more if late: keyed notices.
                "monthly progress reminders": {"task": "projects.progress.remind_unreported", "every": 24 * 60 * 60,
                                               "label": _("Reminders of unreported monthly progress")},
                # A model whose reader stopped giving signs of life (the worker died) is failed, to be retried.
                "bim stale readings": {"task": "projects.bim.sweep_stale_readings", "every": 5 * 60,
                                       "label": _("Models whose reading stopped")},
            },
            audit_labels={"gate_documents": _("Documents"), "gate_confirmations": _("Gate confirmations"),
                          "members": _("Members"), "bim_models": _("BIM models"), "bim_links": _("Model links")},
            api_routes=_api_routes,
            home_cards=[
                HomeCard("projects.figures", "projects/home/_figures.html", home.home_context, order=10),
                HomeCard("projects.breakdown", "projects/home/_breakdown.html", home.home_context, order=30,
                         roles=(Role.LEADER,)),
                HomeCard("projects.activity", "projects/home/_activity.html", home.home_context, slot="side",
                         roles=bureau),
                HomeCard("projects.latest", "projects/home/_projects.html", home.home_context, slot="main"),
            ],
            # The default stage-gate checklist after every migrate: a production install has it without the demo.
            post_migrate=[seed_after_migrate],
            instruction_targets={"projects.Project": "projects.instructions.project_holders"},
            # An IFC model may be far larger than a document: its upload page and API operation take up to
            # BIM_MAX_UPLOAD_BYTES (the body of any other path is refused above the portal's limit).
            upload_limits={r"^/projects/\d+/bim/upload/$": "projects.bim.ifcfile.max_model_bytes",
                           r"^/api/v1/projects/\d+/bim-models/$": "projects.bim.ifcfile.max_model_bytes"},
            urls=[("projects/", "projects.urls")],
            demo="projects.demo.seed",
            scale="projects.scale.seed",
            scale_counts="projects.scale.counts",
        )


def _api_routes(router) -> None:
    """/api/v1/projects/ and each part's routes (/api/v1/projects/{id}/risks/ … and /api/v1/projects/map/)."""
    from .apis import ProjectViewSet

    router.register("projects", ProjectViewSet, basename="project")
    for part in PARTS:
        import_module(f"projects.{part}.apis").register(router)
