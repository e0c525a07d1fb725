from django.urls import path

from distans.absence import views

app_name = "absence"
urlpatterns = [
    path("", views.index, name="index"),
    path("report/", views.report, name="report"),
    path("<int:absence_id>/end/", views.end, name="end"),
    path("readiness/", views.readiness, name="readiness"),
    path("problems/", views.problem, name="problem"),
    path("my-breaks/", views.my_breaks, name="my_breaks"),
    path("swaps/", views.swap_request, name="swap_request"),
    path("swaps/<int:swap_id>/answer/", views.swap_answer, name="swap_answer"),
    path("swaps/<int:swap_id>/withdraw/", views.swap_withdraw, name="swap_withdraw"),
    path("swaps/<int:swap_id>/decide/", views.swap_decide, name="swap_decide"),
    path("team/", views.team, name="team"),
    path("today/", views.today, name="today"),
    path("today/body/", views.today_body, name="today_body"),
    path("month/", views.month, name="month"),
    path("it/", views.it, name="it"),
    path("it/<int:problem_id>/resolve/", views.it_resolve, name="it_resolve"),
    path("settings/", views.save_settings, name="settings"),
]
