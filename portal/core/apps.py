from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks every app stands on: base models, errors, the access policy, reference regions."""

    name = "portal.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .schedule import sync_periodic_tasks

        post_migrate.connect(sync_periodic_tasks, sender=self)
