from django.urls import path

from muster.interfaces.console import applications, campaigns, dashboard, people, queue, sign_in

app_name = "console"
urlpatterns = [
    path("", people.home, name="home"),
    path("sign-in", sign_in.sign_in, name="sign_in"),
    path("code", sign_in.code, name="code"),
    path("set-up", sign_in.enrol, name="enrol"),
    path("sign-out", sign_in.sign_out, name="sign_out"),
    path("language", sign_in.language, name="language"),
    path("person/<int:person_id>/", people.person, name="person"),
    path("queue/", queue.work_queue, name="queue"),
    path("queue/assign", queue.assign_to_me, name="assign"),
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new", campaigns.campaign_new, name="campaign_new"),
    path("campaigns/<str:code>/", campaigns.campaign, name="campaign"),
    path("campaigns/<str:code>/issue", campaigns.campaign_issue, name="campaign_issue"),
    path("dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("dashboard/<str:table>.csv", dashboard.dashboard_csv, name="dashboard_csv"),
    path("application/<str:number>/", applications.application, name="application"),
]
