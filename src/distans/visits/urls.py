from django.urls import path

from distans.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.day, name="day"),
    path("<int:visit_id>/check-in/", views.check_in, name="check_in"),
    path("<int:visit_id>/no-show/", views.no_show, name="no_show"),
    path("<int:visit_id>/note/", views.note, name="note"),
    path("close-day/", views.close_day, name="close_day"),
    path("book/<slug:org>/", views.services, name="services"),
    path("book/<slug:org>/<int:service_id>/", views.slots, name="slots"),
    path("book/<slug:org>/<int:service_id>/details/", views.details, name="details"),
    path("manage/<str:signed>/", views.manage, name="manage"),
    path("manage/<str:signed>/cancel/", views.cancel, name="cancel"),
    path("manage/<str:signed>/move/", views.move, name="move"),
    path("manage/<str:signed>/visit.ics", views.calendar_file, name="calendar"),
]
