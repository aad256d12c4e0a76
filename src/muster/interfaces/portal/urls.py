from django.urls import path

from muster.interfaces.portal import oidc, views

urlpatterns = [
    path("", views.start, name="portal-start"),
    path("sign-in/", oidc.start, name="portal-sign-in"),
    path("callback/", oidc.callback, name="portal-callback"),
    path("sign-out/", oidc.sign_out, name="portal-sign-out"),
    path("signed-out/", views.signed_out, name="portal-signed-out"),
    path("record/", views.record, name="portal-record"),
    path("notices/", views.notices, name="portal-notices"),
    path("measures/", views.measures_page, name="portal-measures"),
    path("access-log/", views.access_log, name="portal-access-log"),
    path("messages/", views.messages, name="portal-messages"),
]
