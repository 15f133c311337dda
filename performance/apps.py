from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    """Scoring participants by indicator and weight, feeding their credit standing."""

    name = "performance"
    verbose_name = "绩效评价"
