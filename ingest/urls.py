from django.urls import re_path

from ingest.apis import IngestApi

urlpatterns = [
    # With or without a trailing slash: a POST is never redirected (the booth would drop it).
    re_path(r"^ingest/(?P<slot_id>[^/]+)/?$", IngestApi.as_view(), name="ingest"),
]
