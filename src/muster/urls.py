from django.contrib import admin
from django.urls import path

from muster.api.views import api
from muster.notices import views as notice_views
from muster.web import views

urlpatterns = [
    path("", views.status, name="status"),
    path("healthz", views.healthz, name="healthz"),
    path("verify/", notice_views.verify, name="verify"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
