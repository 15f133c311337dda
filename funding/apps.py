from django.apps import AppConfig


class FundingConfig(AppConfig):
    """Money for projects: funding sources, contracts and progress-based payments."""

    name = "funding"
    verbose_name = "资金保障"
