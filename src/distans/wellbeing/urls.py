from django.urls import path

from distans.wellbeing import views

app_name = "wellbeing"
urlpatterns = [
    path("checkins/", views.checkins, name="checkins"),
    path("checkins/person/<int:person_id>/", views.person, name="person"),
    path("checkins/person/<int:person_id>/plan/", views.plan, name="plan"),
    path("checkins/person/<int:person_id>/record/", views.record, name="record"),
    path("follow-ups/<int:follow_up_id>/done/", views.follow_up_done, name="follow_up_done"),
    path("meeting/", views.meeting, name="meeting"),
    path("pulse/", views.pulse, name="pulse"),
    path("results/", views.results, name="results"),
    path("comments/<str:comment_id>/reply/", views.reply, name="reply"),
    path("settings/", views.settings_page, name="settings"),
]
