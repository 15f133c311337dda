from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks every app stands on: base models, errors, the access policy, reference regions."""

    name = "portal.core"
    label = "core"
    verbose_name = "核心"

    def portal_plugin(self):
        from django.conf import settings
        from django.utils.translation import gettext_lazy as _

        from .plugins import Plugin

        return Plugin(periodic_tasks={
            "portal heartbeat": {"task": "core.heartbeat", "every": 60, "label": _("Worker heartbeat")},
            # every workflow's deadlines (portal.core.deadlines): warnings, escalations, the daily digests
            "deadline scan": {"task": "core.deadline_scan", "every": settings.DEADLINE_SCAN_SECONDS,
                              "label": _("Deadline scan (warnings, escalations, digests)")},
            "task ledger sweep": {"task": "core.task_ledger_sweep", "every": 60,
                                  "label": _("Task ledger (sends again tasks no worker took)")},
        })

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from . import permcache, plugins, sessions, taskledger, validators  # noqa: F401 — the ledger's publish signal
        from .schedule import sync_periodic_tasks

        validators.install()  # no control characters in any text input (API and pages)
        permcache.connect()  # a role or permission change invalidates the cached permissions
        user_logged_in.connect(sessions.mark_login, dispatch_uid="portal.core.sessions.mark_login")

        plugins.load()  # every installed app's declaration, once (the models are all loaded by now)
        post_migrate.connect(sync_periodic_tasks, sender=self)
