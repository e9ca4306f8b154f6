from django.urls import re_path

from ingest.apis import IngestApi

# With or without a trailing slash: a POST is never redirected (the booth would drop it).
INGEST_ROUTE = r"^ingest/(?P<slot_id>[^/]+)/?$"

urlpatterns = [
    re_path(INGEST_ROUTE, IngestApi.as_view(), name="ingest"),
]
