from django.urls import path, re_path

from muster.interfaces.portal import account, oidc, views

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
    path("messages/<int:message_id>/", views.message_page, name="portal-message"),
    path("extract/", account.extract_page, name="portal-extract"),
    re_path(r"^extract/(?P<kind>pdf|json)/$", account.extract_download, name="portal-extract-download"),
    path("contacts/", account.contacts, name="portal-contacts"),
    path("contacts/change/", account.change_contact, name="portal-contact-change"),
    path("contacts/confirm/<int:change_id>/", account.confirm_contact, name="portal-contact-confirm"),
    path("contacts/consent/", account.consent, name="portal-consent"),
]
