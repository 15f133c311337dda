from importlib import import_module

from django.apps import AppConfig

# The parts of quality and safety oversight, each a package of supervision/ with its models module
# (supervision/models/<part>.py), pages, API, access rules and demo; `overview` holds the pages across parts (a
# project's quality & safety page, the inspector's work).
PARTS = ("tendering", "contracts", "dangerous", "inspections", "safety", "hazards", "accountability", "sites",
         "overview")


class SupervisionConfig(AppConfig):
    """Quality and safety oversight of key projects: tendering and qualifications, contracts, dangerous works,
    materials and third-party inspection, safety management and hazards, accountability."""

    name = "supervision"
    verbose_name = "质量安全监管"

    def portal_plugin(self):
        """The declaration of every part, merged: each part's `plugin` module may name ROLE_PERMISSIONS,
        PERIODIC_TASKS, AUDIT_LABELS, LADDERS, HOME_CARDS, INSTRUCTION_TARGETS and ELEMENT_FINDINGS (one part)."""
        from portal.core.plugins import Plugin

        role_permissions: dict[str, list[str]] = {}
        periodic: dict = {}
        labels: dict = {}
        ladders: list[str] = []
        cards: list = []
        targets: dict = {}
        findings = None
        for part in PARTS:
            try:
                declared = import_module(f"supervision.{part}.plugin")
            except ModuleNotFoundError as missing:
                if missing.name != f"supervision.{part}.plugin":
                    raise
                continue
            for role, perms in getattr(declared, "ROLE_PERMISSIONS", {}).items():
                role_permissions.setdefault(role, []).extend(perms)
            periodic.update(getattr(declared, "PERIODIC_TASKS", {}))
            labels.update(getattr(declared, "AUDIT_LABELS", {}))
            ladders.extend(getattr(declared, "LADDERS", ()))
            cards.extend(getattr(declared, "HOME_CARDS", ()))
            targets.update(getattr(declared, "INSTRUCTION_TARGETS", {}))
            findings = getattr(declared, "ELEMENT_FINDINGS", findings)
        return Plugin(
            policies=[f"supervision.{part}.permissions" for part in PARTS],
            role_permissions=role_permissions,
            periodic_tasks=periodic,
            audit_labels=labels,
            api_routes=_api_routes,
            deadline_ladders=ladders,
            instruction_targets=targets,
            element_findings=findings,
            home_cards=cards,
            urls=[("supervision/", "supervision.urls")],
            demo="supervision.demo.seed",
            scale="supervision.scale.seed",
            scale_counts="supervision.scale.counts",
        )


def _api_routes(router) -> None:
    """/api/v1/supervision/… of every part."""
    for part in PARTS:
        import_module(f"supervision.{part}.apis").register(router)
