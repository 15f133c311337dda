"""Pages of this part, included in the `projects` URL namespace by projects/urls.py."""

urlpatterns: list = []
