from django.urls import path

from muster.interfaces.portal import appeal, apply, oidc, views

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
    path("apply/", apply.start, name="portal-apply"),
    path("apply/<int:draft_id>/", apply.resume, name="portal-apply-resume"),
    path("apply/<int:draft_id>/evidence/", apply.evidence, name="portal-apply-evidence"),
    path("apply/<int:draft_id>/check/", apply.check, name="portal-apply-check"),
    path("apply/<int:draft_id>/done/", apply.done, name="portal-apply-done"),
    path("apply/<int:draft_id>/answers.pdf", apply.answers_pdf, name="portal-apply-pdf"),
    path("apply/<int:draft_id>/discard/", apply.discard, name="portal-apply-discard"),
    path("apply/<int:draft_id>/<slug:name>/", apply.question, name="portal-apply-question"),
    path("applications/", apply.applications, name="portal-applications"),
    path("appeal/", appeal.index, name="portal-appeal"),
    path("appeal/<slug:kind>/<str:ref>/", appeal.window, name="portal-appeal-window"),
    path("appeal/<slug:kind>/<str:ref>/check/", appeal.check, name="portal-appeal-check"),
    path("appeals/<str:number>/", appeal.filed, name="portal-appeal-filed"),
]
