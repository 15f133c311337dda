"""/api/v1/supervision/… of the smart site."""

from .ingest_apis import IngestViewSet


def register(router) -> None:
    router.register("supervision/ingest", IngestViewSet, basename="supervision-ingest")
