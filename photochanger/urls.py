from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from core.api_schema import SchemaApi, SchemaDocsApi
from photochanger.auth import TokenLogoutView, TokenObtainView, TokenRefreshScopedView
from photochanger.status_page import status_page
from photochanger.views import admin_login, not_found

api_urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", TokenRefreshScopedView.as_view(), name="token-refresh"),
    path("auth/token/blacklist/", TokenLogoutView.as_view(), name="token-blacklist"),
    path("schema/", SchemaApi.as_view(), name="schema"),
    path("docs/", SchemaDocsApi.as_view(url_name="schema"), name="docs"),
    path("", include("slots.urls")),
    path("", include("media.urls")),
    path("", include("jobs.urls")),
    path("", include("stats.urls")),
]

urlpatterns = [
    path("", status_page, name="status"),  # the admin header's "View site"
    path("", include("ingest.urls")),
    path("", include("media.public_urls")),
    path("", include("jobs.public_urls")),
    path("api/", include(api_urlpatterns)),
    path("api/<path:rest>", not_found),
    # The admin header's language menu posts to set_language (the language cookie).
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", admin_login),  # before the admin site's own login route, which it wraps
    path("admin/", admin.site.urls),
]

handler400 = "photochanger.views.bad_request"
handler403 = "photochanger.views.permission_denied"
handler404 = "photochanger.views.not_found"
handler500 = "photochanger.views.server_error"
