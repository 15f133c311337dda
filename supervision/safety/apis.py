"""REST API of this part, under /api/v1/supervision/."""


def register(router) -> None:
    """Register this part's viewsets on the portal's router."""
