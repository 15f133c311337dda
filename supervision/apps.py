from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """Quality and safety oversight of sites: inspections, hazards, rectification, accountability, alerts."""

    name = "supervision"
    verbose_name = "质量安全监管"
