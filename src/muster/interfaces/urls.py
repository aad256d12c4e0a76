from django.contrib import admin
from django.urls import path

from muster.interfaces.partner_api.views import api
from muster.interfaces.public import verify as notice_views
from muster.interfaces.public import views

urlpatterns = [
    path("", views.status, name="status"),
    path("healthz", views.healthz, name="healthz"),
    path("verify/", notice_views.verify, name="verify"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
