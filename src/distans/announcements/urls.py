from django.urls import path

from distans.announcements import views

app_name = "announcements"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.edit, name="new"),
    path("mine/", views.mine, name="mine"),
    path("reach/", views.reach_board, name="reach"),
    path("reach/history/", views.reach_history, name="reach_history"),
    path("phases/", views.phases, name="phases"),
    path("questions/", views.staff_questions, name="questions"),
    path("questions/<int:question_id>/answer/", views.answer_question, name="answer"),
    path("newsletter/", views.newsletter, name="newsletter"),
    path("phases/<int:phase_id>/", views.phases, name="phase_edit"),
    path("<int:announcement_id>/", views.detail, name="detail"),
    path("<int:announcement_id>/edit/", views.edit, name="edit"),
    path("<int:announcement_id>/proof/", views.proof, name="proof"),
    path("<int:announcement_id>/send/", views.send, name="send"),
    path("<int:announcement_id>/remind/", views.remind, name="remind"),
    path("<int:announcement_id>/read/", views.read, name="read"),
    path("<int:announcement_id>/acknowledge/", views.acknowledge, name="acknowledge"),
]
