"""API endpoints of this part, registered on /api/v1/ by portal/api_urls.py."""


def register(router) -> None:
    """Register this part's viewsets on the API router."""
