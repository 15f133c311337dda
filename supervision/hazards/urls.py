"""Pages of this part (namespace "supervision", joined by supervision/urls.py)."""

urlpatterns: list = []
