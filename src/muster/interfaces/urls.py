from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import set_language

from muster.interfaces.partner_api.views import api
from muster.interfaces.public import verify as notice_views
from muster.interfaces.public import views


def admin_served() -> bool:
    """In production the admin exists only on the internal host MUSTER_ADMIN_HOST names
    (muster.interfaces.middleware.AdminHostOnly); without one, there is no admin at all."""
    return settings.MUSTER_ENV != "production" or bool(settings.MUSTER_ADMIN_HOST)


urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.status, name="status"),
    path("healthz", views.healthz, name="healthz"),
    path("verify/", notice_views.verify, name="verify"),
    path("api/v1/", api.urls),
    path("portal/", include("muster.interfaces.portal.urls")),
    path("i18n/setlang/", set_language, name="set_language"),  # the language switch (a POST with CSRF)
    path("console/", include("muster.interfaces.console.urls")),
]
if admin_served():
    urlpatterns.append(path("admin/", admin.site.urls))
