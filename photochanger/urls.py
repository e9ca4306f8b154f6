from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("ingest.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "photochanger.views.not_found"
handler500 = "photochanger.views.server_error"
