from django.urls import path

from distans.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("queues/<int:queue_id>/", views.queue, name="queue"),
    path("queues/<int:queue_id>/chart/", views.queue_chart, name="chart"),
    path("queues/<int:queue_id>/settings/", views.save_plan, name="save_plan"),
    path("schedules/", views.schedules, name="schedules"),
    path("schedules/generate/", views.generate, name="generate"),
    path("schedules/<int:schedule_id>/", views.schedule, name="schedule"),
    path("schedules/<int:schedule_id>/body/", views.schedule_body, name="schedule_body"),
    path("schedules/<int:schedule_id>/publish/", views.publish, name="publish"),
    path("my-shifts/", views.my_shifts, name="my_shifts"),
]
